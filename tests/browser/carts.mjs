// The signed-in shopper's cart, a scenario of shopper.mjs: a cart started on one device
// follows the customer to another, a guest cart is merged into it on sign-in, and signing
// out leaves the cart with the account, not on the device. tests/browser.rs registers the
// account first and checks the customer's cart through the API afterwards.
import assert from 'node:assert/strict';

export const CART_EMAIL = 'cy@example.com';
export const CART_PASSWORD = 'correct horse battery';
const PRODUCT = '/products/kestrel-heavyweight-linen-camp-collar-shirt';

async function addOne(page, base) {
  await page.goto(`${base}${PRODUCT}`);
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByText(/Added to your cart/).waitFor();
}

async function signIn(page, base) {
  await page.goto(`${base}/account/sign-in`);
  await page.getByLabel('Email', { exact: true }).fill(CART_EMAIL);
  await page.getByLabel('Password', { exact: true }).fill(CART_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/account$/);
}

/** The quantity of the cart page's one line (the page must have exactly one). */
async function cartQuantity(page, base) {
  await page.goto(`${base}/cart`);
  const quantity = page.getByRole('spinbutton', { name: /Quantity/ });
  await quantity.waitFor();
  assert.equal(await quantity.count(), 1, 'one line');
  return Number(await quantity.inputValue());
}

export async function cart({ page, browser, base, shot, report }) {
  // The laptop: signed in, one unit in the customer's cart.
  const laptop = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const laptopPage = await laptop.newPage();
  laptopPage.setDefaultTimeout(15_000);
  await signIn(laptopPage, base);
  await addOne(laptopPage, base);
  assert.equal(await cartQuantity(laptopPage, base), 1);

  // The phone: a guest adds two units, then signs in: the carts become one.
  await addOne(page, base);
  await addOne(page, base);
  assert.equal(await cartQuantity(page, base), 2);
  await shot('guest-cart');
  await signIn(page, base);
  assert.equal(await cartQuantity(page, base), 3, 'the guest cart was merged into the customer cart');
  await page.locator('[data-cart-count]').filter({ hasText: '3' }).waitFor();
  await shot('merged-cart');

  // The laptop sees the merged cart.
  assert.equal(await cartQuantity(laptopPage, base), 3, 'the cart follows the customer');

  // Signed out, the phone has no cart; the account keeps it.
  await page.goto(`${base}/account`);
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL(/\/account\/sign-in/);
  await page.goto(`${base}/cart`);
  await page.getByText('Your cart is empty.').waitFor();
  await shot('signed-out-cart');
  assert.equal(await cartQuantity(laptopPage, base), 3, 'still the customer\'s on the laptop');
  await laptop.close();
  report.quantity = 3;
  // The quick page changes may abort the loading of the site's icon.
  return [/\/assets\/img\/icon\.[0-9a-f]+\.svg net::ERR_ABORTED/];
}
