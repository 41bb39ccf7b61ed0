// A shopper in Debian's chromium, driven by playwright-core, against the store at BASE_URL.
// Started by tests/browser.rs, which seeds the demo shop and checks the books afterwards.
//
//   node tests/browser/shopper.mjs purchase|declined|account|reset|cart
//
// Environment: BASE_URL, ARTIFACTS (a folder for one screenshot per step), CHROMIUM, and
// ADMIN_TOKEN for the account scenarios (account.mjs), which read the shop's mail outbox.
// Every step finds elements by their role and accessible name, as a screen-reader user or a
// keyboard user would, so the test also checks that the controls are labelled. The last line
// printed is a JSON report for tests/browser.rs.

import { chromium } from 'playwright-core';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import * as accountScenarios from './account.mjs';
import * as cartScenarios from './carts.mjs';

const scenario = process.argv[2];
const base = process.env.BASE_URL;
const artifacts = process.env.ARTIFACTS;
assert.ok(base && artifacts, 'BASE_URL and ARTIFACTS must be set');
// The scenarios of account.mjs and carts.mjs (each an exported async function).
const accounts = { ...accountScenarios, ...cartScenarios };
assert.ok(['purchase', 'declined'].includes(scenario) || typeof accounts[scenario] === 'function', `unknown scenario ${scenario}`);

const CARD_OK = '4242424242424242';
const CARD_DECLINED = '4000000000000002';

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
page.setDefaultTimeout(15_000);

// Any script error, failed request or CSP violation fails the test: the pages must work
// under their own Content-Security-Policy.
const problems = [];
page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
page.on('console', (m) => {
  if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
});
page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));

let step = 0;
async function shot(name) {
  step += 1;
  await page.screenshot({ path: join(artifacts, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true });
}

const report = { scenario };
try {
  if (scenario in accounts) {
    // The answers the scenario expects are the only failures the browser may log.
    const expected = await accounts[scenario]({ page, context, browser, base, shot, report });
    const unexpected = problems.filter((p) => !expected.some((re) => re.test(p)));
    assert.deepEqual(unexpected, [], 'no script errors, failed requests or CSP violations');
    await browser.close();
    console.log(JSON.stringify(report));
    process.exit(0);
  }
  // Home → search.
  await page.goto(`${base}/`);
  await shot('home');
  const search = page.getByRole('searchbox', { name: 'Search products' });
  await search.fill('linen shirt');
  await search.press('Enter');
  await page.waitForURL(/\/search\?/);
  await shot('search-results');
  const results = page.getByRole('region', { name: 'Products' }).getByRole('link');
  assert.ok(await results.count() > 1, 'several results for "linen shirt"');

  // Filter by brand: the facet is a checkbox named after the brand (with its count).
  await page.getByRole('group', { name: 'Brand' }).getByRole('checkbox', { name: /Alder & Finch/ }).check();
  await page.getByRole('button', { name: 'Apply filters' }).first().click();
  await page.waitForURL(/brand=/);
  await shot('filtered');
  const product = page.getByRole('link', { name: /Kestrel Heavyweight Linen Camp-Collar Shirt/ }).first();
  await product.click();
  await page.waitForURL(/\/products\/kestrel-heavyweight-linen-camp-collar-shirt/);
  await page.getByRole('heading', { level: 1, name: 'Kestrel Heavyweight Linen Camp-Collar Shirt' }).waitFor();
  await shot('product');

  // Pick a variant with the option controls: the price and the URL follow.
  const sizes = page.getByRole('group', { name: /size/i }).getByRole('radio');
  const colours = page.getByRole('group', { name: /colou?r/i }).getByRole('radio');
  assert.ok(await sizes.count() > 1 && await colours.count() > 1, 'size and colour pickers');
  await colours.nth(1).check();
  await sizes.nth(1).check();
  await page.waitForURL(/[?&]variant=/);
  const variant = new URL(page.url()).searchParams.get('variant');
  assert.match(variant, /^var_/);
  report.variant_id = variant;
  await shot('variant-picked');

  // Add to cart, then open the cart.
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByText(/Added to your cart/).waitFor();
  await shot('added');
  await page.getByRole('link', { name: 'View cart' }).click();
  await page.waitForURL(/\/cart/);
  const quantity = page.getByRole('spinbutton', { name: /Quantity/ });
  await quantity.waitFor();
  assert.equal(await quantity.inputValue(), '1');
  const totalBefore = await grandTotal();
  await shot('cart');

  // Change the quantity; the totals follow.
  await quantity.fill('2');
  await quantity.press('Enter');
  await page.waitForFunction((before) => {
    const t = [...document.querySelectorAll('.summary dd')].at(-1);
    return t && t.textContent.trim() !== before;
  }, totalBefore);
  report.quantity = 2;
  await shot('cart-quantity-2');

  // Checkout.
  await page.getByRole('link', { name: /check ?out/i }).click();
  await page.waitForURL(/\/checkout/);
  await fillCheckout(page, scenario === 'purchase' ? CARD_OK : CARD_DECLINED);
  await shot('checkout-filled');
  // A second tab on the same cart, opened before the first one pays (purchase only).
  const secondTab = scenario === 'purchase' ? await context.newPage() : null;
  if (secondTab) {
    await secondTab.goto(`${base}/checkout`);
    await fillCheckout(secondTab, CARD_OK);
  }
  await page.getByRole('button', { name: 'Place order' }).click();

  if (scenario === 'purchase') {
    await page.waitForURL(/\/order\?/);
    const title = page.getByRole('heading', { level: 1, name: /Order #\d+/ });
    await title.waitFor();
    const number = Number((await title.textContent()).match(/#(\d+)/)[1]);
    report.order_number = number;
    await page.getByText('Status:').waitFor();
    await shot('confirmation');

    // The order status page, opened again from its link as from the confirmation email.
    const link = page.url();
    assert.match(link, /token=/);
    assert.doesNotMatch(link, /placed=/, 'the kept link is the plain status link');
    const later = await context.newPage();
    await later.goto(link);
    await later.getByRole('heading', { level: 1, name: `Order #${number}` }).waitFor();
    await later.getByText(/Paid/).first().waitFor();
    // Every page is titled with the shop's name (store_name), the order page too once filled.
    const shop = await later.locator('meta[property="og:site_name"]').getAttribute('content');
    assert.ok(shop, 'the page names the shop');
    assert.equal(await later.title(), `Order #${number} | ${shop}`);
    assert.equal(await later.locator('header .brand').textContent(), shop);
    await later.screenshot({ path: join(artifacts, `${String(++step).padStart(2, '0')}-order-status.png`), fullPage: true });

    // The second tab pays for the same cart with its own attempt (a new Idempotency-Key):
    // a cart is bought once, so it is told the cart was ordered and nothing is charged.
    await secondTab.getByRole('button', { name: 'Place order' }).click();
    await secondTab.getByText(`This cart was already ordered: order #${number}`).waitFor();
    await secondTab.screenshot({ path: join(artifacts, `${String(++step).padStart(2, '0')}-second-tab-refused.png`), fullPage: true });

    // The cart is empty after the purchase.
    await page.goto(`${base}/cart`);
    await page.getByText(/empty/i).first().waitFor();
    await shot('cart-after');
  } else {
    await page.getByText(/declined/i).first().waitFor();
    assert.match(page.url(), /\/checkout/, 'the shopper stays on the checkout page');
    await shot('declined');
    // Another card is a new attempt (a new Idempotency-Key) for the same cart.
    await page.getByLabel('Card number').fill(CARD_OK);
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.waitForURL(/\/order\?/);
    const title = page.getByRole('heading', { level: 1, name: /Order #\d+/ });
    await title.waitFor();
    report.order_number = Number((await title.textContent()).match(/#(\d+)/)[1]);
    await shot('paid-with-another-card');
  }
  // A page's own errors are what this test is about; the declined payment's 402 answer
  // is the one expected failure, reported by chromium as a console error.
  const unexpected = problems.filter((p) => !(scenario === 'declined' && /402/.test(p)));
  assert.deepEqual(unexpected, [], 'no script errors, failed requests or CSP violations');
} catch (e) {
  await shot('failure').catch(() => {});
  console.error(e);
  console.error(problems.join('\n'));
  await browser.close();
  process.exit(1);
}

/** Fills the checkout form of `p` for a German address, standard shipping and `card`. */
async function fillCheckout(p, card) {
  await p.getByLabel('Email').fill('ada@example.com');
  await p.getByLabel('Full name').fill('Ada Lovelace');
  await p.getByLabel('Street and number').fill('Hauptstraße 1');
  await p.getByLabel(/Postal code/).fill('10115');
  await p.getByLabel('City').fill('Berlin');
  await p.getByLabel('Country').selectOption('DE');
  await p.getByRole('radio', { name: /Standard/ }).first().check();
  await p.getByLabel('Card number').fill(card);
  await p.getByLabel('Expiry month').selectOption({ index: 1 });
  await p.getByLabel('Expiry year').selectOption({ index: 2 });
  await p.getByLabel('CVC').fill('123');
}

async function grandTotal() {
  return page.evaluate(() => [...document.querySelectorAll('.summary dd')].at(-1)?.textContent.trim());
}

await browser.close();
console.log(JSON.stringify(report));
