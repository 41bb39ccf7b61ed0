// The checkout page: contact, shipping address, shipping method and a test card, then
// POST /api/checkout.
//
// Paying twice must be impossible, whatever the shopper does. Each checkout *attempt* gets one
// Idempotency-Key (crypto.randomUUID) that is kept with the request body in sessionStorage
// before the request leaves, so:
// - a double click sends nothing more (the button is disabled while a request is pending, and
//   a second submit while one is pending is ignored);
// - a refresh, a lost answer or a 5xx resends the same body with the same key, and the shop
//   answers as it did the first time (the same order, never a second charge);
// - 3-D Secure: a 202 with next_action redirect_to_url sends the browser away; the provider
//   sends it back to /checkout?resume=1, which resends the same attempt to complete it;
// - a final refusal (declined card, out of stock, bad input) closes the attempt: trying again,
//   with another card for example, is a new attempt with a new key;
// - changing the form while an attempt's outcome is unknown first settles that attempt with
//   its own body, and starts a new one only if it did not go through.
//
// The stored body holds the test card's number (the built-in test provider takes raw test
// card numbers; a real provider's browser script would give a token instead). It lives in
// this tab's sessionStorage only, and only until the attempt ends.
import './site.js';
import { api, cartApi, cartToken, checkoutCartToken, forgetCart, h, local, money, session, showCount } from './api.js';
import { countryName, fillCountries } from './countries.js';
import { COUNTRY, METHOD, renderTotals } from './totals.js';

const ATTEMPT = 'commerce.checkout.attempt';
/** How often, and how long apart, a payment the provider is still processing is asked again. */
const PROCESSING_RETRIES = 5;
const PROCESSING_DELAY_MS = 2000;

const box = document.querySelector('[data-checkout]');
const form = document.querySelector('[data-checkout-form]');
const loading = document.querySelector('[data-checkout-loading]');
const problem = document.querySelector('[data-checkout-problem]');
const formError = form.querySelector('[data-form-error]');
const status = form.querySelector('[data-status]');
const button = form.querySelector('[data-place-order]');
const methodsBox = form.querySelector('[data-methods]');
const totalsBox = document.querySelector('[data-totals]');
const totalsError = document.querySelector('[data-totals-error]');
const summaryLines = document.querySelector('[data-summary-lines]');
const field = (name) => form.elements.namedItem(name);

let cart = null;
// The token of the cart this page checks out, read once when the page opens: another tab
// that buys the cart forgets the stored token, and this page's attempt must still name the
// cart it shows (the shop then answers that the cart was already ordered).
let pageToken = null;
let pending = false;

start();

// --- The attempt -------------------------------------------------------------------------

function loadAttempt() {
  try {
    return JSON.parse(session.get(ATTEMPT) || 'null');
  } catch {
    return null;
  }
}

function saveAttempt(attempt) {
  session.set(ATTEMPT, attempt ? JSON.stringify(attempt) : null);
}

function newAttempt(body) {
  const key = window.crypto && crypto.randomUUID ? crypto.randomUUID() : fallbackKey();
  return { key, body, state: 'open' };
}

/** A random key for browsers without randomUUID (older ones, or pages not served securely). */
function fallbackKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// --- The page ----------------------------------------------------------------------------

async function start() {
  const token = cartToken();
  pageToken = token;
  const stored = loadAttempt();
  // Back from 3-D Secure, or a refresh while an attempt was under way: finish that attempt.
  const unfinished = stored && stored.state !== 'final' ? stored : null;
  if (!token && !unfinished) return stop('Your cart is empty.', true);
  fillCountries(field('country'), local.get(COUNTRY) || '');
  fillExpiry();
  field('country').addEventListener('change', () => {
    local.set(COUNTRY, field('country').value || null);
    refreshMethods();
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  field('card_number').addEventListener('input', () => clearError('card_number'));

  if (token) {
    try {
      cart = (await cartApi(token)).data;
    } catch (e) {
      if (e.status === 404) forgetCart();
      cart = null;
    }
  }
  if (unfinished) {
    fill(unfinished.body);
    show();
    if (cart) summary();
    status.textContent = 'Completing your order…';
    if ((await send(unfinished)) !== 'done') await refreshMethods();
    return undefined;
  }
  if (cart && cart.checkout && cart.checkout.status === 'ordered') {
    forgetCart();
    const number = cart.checkout.order_number;
    return stop(number ? `This cart was already ordered as order #${number}: a cart is bought once.` : 'This cart was already ordered: a cart is bought once.', false);
  }
  if (!cart || cart.lines.length === 0) return stop('Your cart is empty.', true);
  if (!cart.ready_for_checkout) return stop('Some lines of your cart can no longer be bought.', true);
  if (stored) fill({ ...stored.body, payment_method: {} });
  show();
  summary();
  await refreshMethods();
  return undefined;
}

function show() {
  loading.hidden = true;
  box.hidden = false;
}

/** Ends the page with a message (and a way back to the cart). */
function stop(text, toCart) {
  loading.hidden = true;
  box.hidden = true;
  problem.replaceChildren(text, ' ', toCart ? h('a', { href: '/cart' }, 'Go to your cart') : '');
  problem.hidden = false;
}

function summary() {
  summaryLines.replaceChildren(...cart.lines
    .filter((l) => l.status === 'available')
    .map((l) => h('li', {}, h('span', {}, `${l.quantity} × ${l.product_title} (${l.variant_title})`), h('span', {}, money(l.line_total)))));
}

function fillExpiry() {
  const months = field('exp_month');
  const years = field('exp_year');
  const now = new Date();
  months.replaceChildren(...Array.from({ length: 12 }, (_, k) => {
    const m = String(k + 1).padStart(2, '0');
    return h('option', { value: String(k + 1) }, m);
  }));
  years.replaceChildren(...Array.from({ length: 15 }, (_, k) => {
    const y = String(now.getFullYear() + k);
    return h('option', { value: y, selected: k === 2 }, y);
  }));
}

/** Puts a stored body back into the form (after a return from 3-D Secure). */
function fill(body) {
  field('email').value = body.email || '';
  const a = body.shipping_address || {};
  for (const name of ['name', 'company', 'line1', 'line2', 'city', 'region', 'postal_code', 'phone']) {
    field(name).value = a[name] || '';
  }
  fillCountries(field('country'), a.country || '');
  const card = body.payment_method || {};
  field('card_number').value = card.number || '';
  if (card.exp_month) field('exp_month').value = String(card.exp_month);
  if (card.exp_year) field('exp_year').value = String(card.exp_year);
  field('cvc').value = card.cvc || '';
}

// --- Shipping and totals -----------------------------------------------------------------

async function refreshMethods() {
  if (!cart) return;
  const country = field('country').value;
  const legend = h('legend', {}, 'Shipping method');
  if (!country) {
    methodsBox.replaceChildren(legend, h('p', { class: 'hint' }, 'Choose a country to see the shipping methods.'));
    await refreshTotals();
    return;
  }
  let methods = [];
  try {
    methods = (await api(`/api/shipping-methods?${new URLSearchParams({ currency: cart.currency, country, limit: '100' })}`)).data.items;
  } catch (e) {
    methods = [];
  }
  const saved = local.get(METHOD);
  const chosen = methods.some((m) => m.id === saved) ? saved : methods[0] && methods[0].id;
  methodsBox.replaceChildren(legend);
  if (methods.length === 0) methodsBox.append(h('p', { class: 'hint' }, `No shipping method delivers to ${countryName(country)}.`));
  for (const m of methods) {
    const id = `method-${m.id}`;
    const input = h('input', { type: 'radio', name: 'shipping_method', id, value: m.id, checked: m.id === chosen });
    input.addEventListener('change', () => {
      local.set(METHOD, m.id);
      clearError('shipping_method');
      refreshTotals();
    });
    methodsBox.append(h('div', { class: 'check' }, input, h('label', { for: id }, `${m.name} – ${money(m.price)}`)));
  }
  await refreshTotals();
}

async function refreshTotals() {
  if (!cart) return;
  const query = new URLSearchParams();
  const country = field('country').value;
  if (country) query.set('country', country);
  const method = methodsBox.querySelector('input:checked');
  if (method) query.set('shipping_method', method.value);
  try {
    const { data } = await cartApi(cartToken(), `/totals?${query}`);
    renderTotals(totalsBox, data);
    totalsError.hidden = true;
  } catch (e) {
    totalsBox.replaceChildren();
    totalsError.textContent = e.explanation;
    totalsError.hidden = false;
  }
}

// --- Validation --------------------------------------------------------------------------

const REQUIRED = {
  email: 'Enter your email address.',
  name: 'Enter the name of the person the parcel is for.',
  line1: 'Enter the street and number.',
  city: 'Enter the city.',
  country: 'Choose the country.',
  card_number: 'Enter the card number.',
  cvc: 'Enter the 3 or 4 digits on the back of the card.',
};

function setError(name, text) {
  const el = document.getElementById(`error-${name}`);
  const input = field(name);
  if (el) {
    el.textContent = text;
    el.hidden = false;
  }
  if (input && input.setAttribute) input.setAttribute('aria-invalid', 'true');
}

function clearError(name) {
  const el = document.getElementById(`error-${name}`);
  const input = field(name);
  if (el) el.hidden = true;
  if (input && input.removeAttribute) input.removeAttribute('aria-invalid');
}

function clearErrors() {
  for (const el of form.querySelectorAll('.field-error')) el.hidden = true;
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  formError.hidden = true;
}

/** Checks what the browser can; answers the names of bad fields, in form order. */
function validate() {
  const bad = [];
  for (const [name, text] of Object.entries(REQUIRED)) {
    if (!field(name).value.trim()) {
      setError(name, text);
      bad.push(name);
    }
  }
  const email = field('email').value.trim();
  if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    setError('email', 'Enter an email address like name@example.com.');
    bad.push('email');
  }
  const digits = field('card_number').value.replace(/[\s-]/g, '');
  if (digits && !/^[0-9]{12,19}$/.test(digits)) {
    setError('card_number', 'A card number has 12 to 19 digits.');
    bad.push('card_number');
  }
  const cvc = field('cvc').value.trim();
  if (cvc && !/^[0-9]{3,4}$/.test(cvc)) {
    setError('cvc', 'The CVC is 3 or 4 digits.');
    bad.push('cvc');
  }
  if (methodsBox.querySelector('input[type="radio"]') && !methodsBox.querySelector('input:checked')) {
    setError('shipping_method', 'Choose a shipping method.');
    bad.push('shipping_method');
  }
  return bad;
}

/** The request body, with its keys always in the same order (attempts compare bodies). */
function body() {
  const text = (name) => field(name).value.trim();
  const address = { name: text('name') };
  const optional = (key) => {
    if (text(key)) address[key] = text(key);
  };
  optional('company');
  address.line1 = text('line1');
  optional('line2');
  address.city = text('city');
  optional('region');
  optional('postal_code');
  address.country = text('country');
  optional('phone');
  const b = { cart_token: checkoutCartToken(pageToken || cartToken()), email: text('email'), shipping_address: address };
  const method = methodsBox.querySelector('input:checked');
  if (method) b.shipping_method_id = method.value;
  b.payment_method = {
    type: 'test_card',
    number: field('card_number').value.replace(/[\s-]/g, ''),
    exp_month: Number(text('exp_month')),
    exp_year: Number(text('exp_year')),
    cvc: text('cvc'),
  };
  b.return_url = `${window.location.origin}/checkout?resume=1`;
  return b;
}

// --- Placing the order -------------------------------------------------------------------

async function submit() {
  if (pending) return;
  clearErrors();
  const bad = validate();
  if (bad.length) {
    formError.textContent = 'Please correct the fields marked below.';
    formError.hidden = false;
    field(bad[0]).focus();
    return;
  }
  const wanted = body();
  let attempt = loadAttempt();
  if (attempt && attempt.state !== 'final' && !same(attempt.body, wanted)) {
    // The last attempt may have gone through: settle it before starting another.
    const settled = await send(attempt);
    if (settled !== 'refused') return;
    attempt = null;
  }
  if (!attempt || attempt.state === 'final' || !same(attempt.body, wanted)) attempt = newAttempt(wanted);
  await send(attempt);
}

function busy(on, text) {
  pending = on;
  button.disabled = on;
  form.setAttribute('aria-busy', on ? 'true' : 'false');
  if (text !== undefined) status.textContent = text;
}

/**
 * Sends an attempt (stored first, so a refresh resends it) and acts on the answer. Answers
 * "done" (paid, or left for 3-D Secure), "refused" (a final refusal: the attempt is closed),
 * or "unknown" (no answer or a 5xx: the same attempt must be sent again).
 */
async function send(attempt, retries = PROCESSING_RETRIES) {
  saveAttempt({ ...attempt, state: attempt.state === 'final' ? 'open' : attempt.state });
  busy(true, 'Placing your order…');
  let answer;
  try {
    answer = await api('/api/checkout', { method: 'POST', body: attempt.body, headers: { 'Idempotency-Key': attempt.key } });
  } catch (e) {
    return refused(attempt, e);
  }
  const result = answer.data;
  if (answer.status === 201 && result.status === 'paid') {
    saveAttempt(null);
    forgetCart();
    showCount(0);
    status.textContent = 'Paid. Opening your order…';
    const params = new URLSearchParams({ number: String(result.order.number), token: result.guest_token, placed: '1' });
    window.location.replace(`/order?${params}`);
    return 'done';
  }
  const next = result.payment && result.payment.next_action;
  if (result.status === 'requires_action' && next && next.type === 'redirect_to_url') {
    saveAttempt({ ...attempt, state: 'action' });
    status.textContent = 'Your bank asks you to confirm the payment…';
    window.location.assign(next.value);
    return 'done';
  }
  if (result.status === 'processing' && retries > 0) {
    status.textContent = 'Your payment is being processed…';
    await new Promise((resolve) => { setTimeout(resolve, PROCESSING_DELAY_MS); });
    return send(attempt, retries - 1);
  }
  // Still not finished: the stock is held and the order exists; a webhook will finish it.
  busy(false, '');
  const params = new URLSearchParams({ number: String(result.order.number), token: result.guest_token });
  formError.replaceChildren(
    'Your payment is not confirmed yet. ',
    h('a', { href: `/order?${params}` }, `Follow order #${result.order.number}`),
    ' to see when it is.',
  );
  formError.hidden = false;
  return 'unknown';
}

/** A refusal or a failure of an attempt. */
function refused(attempt, e) {
  busy(false, '');
  const transient = e.status === 0 || e.status >= 500;
  if (transient) {
    // The outcome is unknown: keep the attempt, so trying again resends it with its key.
    saveAttempt({ ...attempt, state: 'open' });
    formError.textContent = `${e.message} Your order was not placed twice: press “Place order” to try again.`;
    formError.hidden = false;
    return 'unknown';
  }
  // Final: the next try is a new attempt.
  saveAttempt({ ...attempt, state: 'final' });
  switch (e.type) {
    case 'payment-declined':
      setError('card_number', e.message);
      formError.textContent = 'Your card was declined and nothing was charged. Try another card.';
      field('card_number').value = '';
      field('card_number').focus();
      break;
    case 'cart-ordered':
      // Another tab or an earlier attempt bought this cart: it is gone for shopping.
      forgetCart();
      formError.replaceChildren(e.message, ' ', h('a', { href: '/' }, 'Continue shopping'));
      break;
    case 'checkout-in-progress':
      formError.textContent = `${e.message} If you are paying in another window, finish there.`;
      break;
    case 'out-of-stock':
    case 'cart-not-ready':
    case 'checkout-cancelled':
      formError.replaceChildren(e.message, ' ', h('a', { href: '/cart' }, 'Review your cart'));
      break;
    default: {
      const names = showFieldErrors(e.errors);
      formError.textContent = names.length ? 'Please correct the fields marked below.' : e.explanation;
      if (names.length) field(names[0]).focus();
    }
  }
  formError.hidden = false;
  return 'refused';
}

/** The form field a JSON pointer of the request names. */
function fieldOf(path) {
  const parts = path.split('/').filter(Boolean);
  const last = parts[parts.length - 1];
  if (parts[0] === 'payment_method') return { number: 'card_number', exp_month: 'exp_month', exp_year: 'exp_year', cvc: 'cvc' }[last] || 'card_number';
  if (parts[0] === 'shipping_method_id') return 'shipping_method';
  if (parts[0] === 'email') return 'email';
  if (parts[0] === 'shipping_address' && field(last)) return last;
  return null;
}

/** Shows each field error next to its field; answers the fields, in form order. */
function showFieldErrors(errors) {
  const names = [];
  for (const err of errors) {
    const name = fieldOf(err.path || '');
    if (!name) continue;
    setError(name, err.message.charAt(0).toUpperCase() + err.message.slice(1));
    if (!names.includes(name)) names.push(name);
  }
  const order = [...form.querySelectorAll('[name]')].map((el) => el.name);
  return names.sort((a, b) => order.indexOf(a) - order.indexOf(b));
}
