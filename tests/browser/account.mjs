// The account scenarios of shopper.mjs: a shopper registers, confirms the email from the
// mail's link, signs out and in, edits the profile and password and signs out everywhere
// ("account"); a shopper who forgot the password resets it through the pages ("reset").
//
// The mails: the shop has no mail transport yet, so this script reads the outbox as the
// owner does (GET /admin/mail with ADMIN_TOKEN) and opens the link a mail carries,
// /account/verify?token=… or /account/password-reset/confirm?token=…, as a mail client would.
// Every page is also checked with axe-core (WCAG 2.1 A and AA) in the states the shopper sees.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const AXE = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core's WCAG 2.1 A and AA rules on the page as it is now; fails on a violation. */
async function accessible(page, what) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  const violations = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.ok(result.passes.length > 10, `axe ran its rules on ${what}`);
  assert.deepEqual(violations, [], `axe finds nothing on ${what}`);
}

export const EMAIL = 'ada@example.com';
export const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'a much longer passphrase';
const RESET_PASSWORD = 'reset to something new';

/** The token of the newest message of `kind` to `to` in the shop's outbox. */
async function mailedToken(base, kind, to) {
  const res = await fetch(`${base}/admin/mail?limit=100`, {
    headers: { authorization: `Bearer ${process.env.ADMIN_TOKEN}` },
  });
  assert.equal(res.status, 200, 'the owner reads the outbox');
  const { items } = await res.json();
  const mail = items.find((m) => m.kind === kind && m.to === to);
  assert.ok(mail && mail.token, `a ${kind} message to ${to}`);
  return mail.token;
}

/** The session cookie of `context`, checked to be the HttpOnly, Secure __Host- cookie. */
async function sessionCookie(context, page) {
  const cookie = (await context.cookies()).find((c) => c.name === '__Host-session');
  if (cookie) {
    assert.equal(cookie.httpOnly, true, 'HttpOnly');
    assert.equal(cookie.secure, true, 'Secure');
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.path, '/');
    // No script sees it: not in document.cookie, and nothing the pages stored holds a token.
    const seen = await page.evaluate(() => [document.cookie, JSON.stringify(localStorage), JSON.stringify(sessionStorage)].join(' '));
    assert.doesNotMatch(seen, /__Host-session|stk_/, 'the session is invisible to scripts');
  }
  return cookie;
}

async function signIn(page, email, password) {
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The whole account, from registration to "sign out everywhere". */
export async function account({ page, context, browser, base, shot, report }) {
  await page.goto(`${base}/`);
  const header = page.locator('header');
  await header.getByRole('link', { name: 'Sign in' }).click();
  await page.waitForURL(/\/account\/sign-in\?next=%2F$/);
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.waitForURL(/\/account\/register$/);

  // The shop refuses a password anyone would guess: the reason shows by the field.
  await page.getByLabel('Name').fill('Ada Lovelace');
  await page.getByLabel('Email', { exact: true }).fill(EMAIL);
  const password = page.getByLabel('Password', { exact: true });
  await password.fill('qwertyuiop');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#password-error').waitFor();
  assert.equal(await password.getAttribute('aria-invalid'), 'true');
  assert.match(await password.getAttribute('aria-describedby'), /password-error/);
  await shot('register-field-error');
  await accessible(page, 'the registration page with a field error');
  await password.fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();

  // Registered and signed in: the account page, the header says so, the cookie is HttpOnly.
  await page.waitForURL(/\/account\?notice=welcome$/);
  await page.getByText(`Welcome! We sent a link to ${EMAIL}`).waitFor();
  await page.getByText('is not confirmed yet').waitFor();
  await header.getByRole('link', { name: 'Account' }).waitFor();
  assert.equal(await page.getByLabel('Name').inputValue(), 'Ada Lovelace');
  assert.ok(await sessionCookie(context, page), 'Chromium stored the session cookie');
  await shot('registered');
  await accessible(page, 'the account page');

  // The link again, then the newest link from the mail confirms the email.
  await page.getByRole('button', { name: 'Send the verification link again' }).click();
  await page.getByText(`We sent a new link to ${EMAIL}`).waitFor();
  const verify = await mailedToken(base, 'verify-email', EMAIL);
  await page.goto(`${base}/account/verify?token=${encodeURIComponent(verify)}`);
  await page.getByText(`Thank you: your email ${EMAIL} is confirmed.`).waitFor();
  await shot('verified');
  await accessible(page, 'the verification page');
  await page.getByRole('link', { name: 'Go to your account' }).click();
  await page.getByText(`Your email ${EMAIL} is confirmed.`).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Send the verification link again' }).count(), 0);

  // Sign out: the cookie goes, the header says "Sign in".
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL(/\/account\/sign-in\?notice=signed-out$/);
  await page.getByText('You are signed out.').waitFor();
  await header.getByRole('link', { name: 'Sign in' }).waitFor();
  assert.equal(await sessionCookie(context, page), undefined, 'the cookie is removed');

  // A wrong password is refused with a clear message, then the right one signs in; a
  // `next` that the URL parser reads as another site ("/\t/…" is "//…") goes to the account.
  await page.goto(`${base}/account/sign-in?next=${encodeURIComponent('/\t/evil.example/')}`);
  await signIn(page, EMAIL, 'not the password at all');
  await page.getByText('The email or the password is wrong.').waitFor();
  assert.match(page.url(), /\/account\/sign-in/);
  await shot('wrong-password');
  await accessible(page, 'the sign-in page with an error');
  await signIn(page, EMAIL, PASSWORD);
  await page.waitForURL(/\/account$/);
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();

  // A new name, kept across a reload.
  await page.getByLabel('Name').fill('Ada King');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('Your changes are saved.').waitFor();
  await page.reload();
  await page.getByText(`Your email ${EMAIL} is confirmed.`).waitFor();
  assert.equal(await page.getByLabel('Name').inputValue(), 'Ada King');

  // A new password: a wrong current one is marked by its field.
  const current = page.getByLabel('Current password');
  await current.fill('not the password at all');
  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('The current password is wrong.').waitFor();
  assert.equal(await current.getAttribute('aria-invalid'), 'true');
  await current.fill(PASSWORD);
  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Your password is changed.').waitFor();
  assert.equal(await current.getAttribute('aria-invalid'), null, 'the error is gone');
  await shot('password-changed');
  await accessible(page, 'the account page after a password change');

  // Another browser signs in with the new password; "sign out everywhere" ends it too.
  const other = await browser.newContext();
  const phone = await other.newPage();
  await phone.goto(`${base}/account/sign-in`);
  await signIn(phone, EMAIL, NEW_PASSWORD);
  await phone.waitForURL(/\/account$/);
  await phone.getByText(`Your email ${EMAIL} is confirmed.`).waitFor();

  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await page.waitForURL(/\/account\/sign-in\?notice=signed-out-everywhere$/);
  await page.getByText('You are signed out on every device and browser.').waitFor();
  assert.equal(await sessionCookie(context, page), undefined);
  await shot('signed-out-everywhere');

  await phone.reload();
  await phone.waitForURL(/\/account\/sign-in\?next=%2Faccount$/);
  await phone.locator('header').getByRole('link', { name: 'Sign in' }).waitFor();
  await other.close();

  report.email = EMAIL;
  report.name = 'Ada King';
  report.password = NEW_PASSWORD;
  // What a browser logs for the answers this scenario expects: the guessable password's
  // 400 and the wrong passwords' 401s.
  return [/status of 400/, /status of 401/];
}

/** A forgotten password, reset through the pages; the account exists (tests/browser.rs). */
export async function reset({ page, base, shot, report }) {
  await page.goto(`${base}/account/sign-in`);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.waitForURL(/\/account\/password-reset$/);
  await page.getByLabel('Email', { exact: true }).fill(EMAIL);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await page.getByText('If an account has this email, a message with a reset link is on its way.').waitFor();
  await shot('reset-asked');
  await accessible(page, 'the password reset page');

  const token = await mailedToken(base, 'password-reset', EMAIL);
  const link = `${base}/account/password-reset/confirm?token=${encodeURIComponent(token)}`;
  await page.goto(link);
  await page.getByLabel('New password').fill(RESET_PASSWORD);
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await page.waitForURL(/\/account\/sign-in\?notice=password-reset$/);
  await page.getByText('Your new password is set').waitFor();
  await shot('reset-done');

  // The link works once.
  await page.goto(link);
  await page.getByLabel('New password').fill('yet another passphrase');
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await page.getByText('This link has expired, was replaced by a newer one, or was used already.').waitFor();
  await shot('reset-link-used');
  await accessible(page, 'the reset link page with an error');
  // A link without its token says what is missing.
  await page.goto(`${base}/account/verify`);
  await page.getByText('This page needs the link from your mail').waitFor();

  // The old password is refused; the new one signs in and goes on to `next`.
  await page.goto(`${base}/account/sign-in?next=%2Fcart`);
  await signIn(page, EMAIL, PASSWORD);
  await page.getByText('The email or the password is wrong.').waitFor();
  await signIn(page, EMAIL, RESET_PASSWORD);
  await page.waitForURL(/\/cart$/);
  await page.locator('header').getByRole('link', { name: 'Account' }).click();
  await page.waitForURL(/\/account$/);
  // The reset proved the customer reads the mail: the email counts as confirmed.
  await page.getByText(`Your email ${EMAIL} is confirmed.`).waitFor();
  report.email = EMAIL;
  report.password = RESET_PASSWORD;
  // The used link's 400, the old password's 401, and the 404 of the cart page asking for
  // the cart of a customer who has none yet.
  return [/status of 400/, /status of 401/, /status of 404/];
}
