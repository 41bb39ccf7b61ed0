// What the storefront's scripts share: JSON calls to the shop's API with RFC 9457 problems as
// errors, the shopper's cart (its token kept in localStorage), the header's cart count and
// account link, and money for people. No framework, no build step: an ES module the pages import.

/** A refusal or failure of the API: the HTTP status (0: no answer) and its problem+json. */
export class ApiError extends Error {
  constructor(status, problem) {
    const p = problem && typeof problem === 'object' ? problem : {};
    super(p.detail || p.title || (status ? `The shop answered ${status}.` : 'The shop could not be reached.'));
    this.status = status;
    this.problem = p;
  }

  /** The problem type's last segment: "payment-declined", "out-of-stock", "invalid-input"… */
  get type() {
    return String(this.problem.type || '').split('/').pop();
  }

  /** Field errors: [{path, message}]. */
  get errors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }

  /** A sentence for the shopper: the detail, then the field messages. */
  get explanation() {
    const messages = this.errors.map((e) => e.message).filter(Boolean);
    return messages.length ? `${this.message} ${messages.join('. ')}.` : this.message;
  }
}

/**
 * Calls the API. Resolves to {status, data} for 2xx answers; rejects with an ApiError for the
 * others (and with status 0 when the network fails).
 */
export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  // Same-origin credentials: the account's session cookie goes with every call to this site.
  const init = {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json, application/problem+json', ...headers },
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, {
      title: 'No connection',
      detail: 'The shop could not be reached. Check your connection and try again.',
    });
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return { status: res.status, data };
}

// --- Storage that may be unavailable (private modes, disabled storage) -------------------

function read(storage, key) {
  try {
    return storage.getItem(key);
  } catch {
    return null;
  }
}

function write(storage, key, value) {
  try {
    if (value === null) storage.removeItem(key);
    else storage.setItem(key, value);
  } catch {
    // Without storage the page still works; it just forgets.
  }
}

export const local = {
  get: (key) => read(localStorage, key),
  set: (key, value) => write(localStorage, key, value),
};

export const session = {
  get: (key) => read(sessionStorage, key),
  set: (key, value) => write(sessionStorage, key, value),
};

// --- The cart ----------------------------------------------------------------------------

const TOKEN = 'commerce.cart.token';
const COUNT = 'commerce.cart.count';
/**
 * Kept in place of a token when the cart is the signed-in customer's: the session cookie
 * finds it, on every device they sign in on, and no token exists for it.
 */
export const CUSTOMER_CART = 'customer';

/** The shopper's cart token (ctk_…), CUSTOMER_CART, or null. */
export function cartToken() {
  return local.get(TOKEN);
}

/** A guest cart's token for a checkout body; undefined for the customer's own cart. */
export function checkoutCartToken(token) {
  return token && token !== CUSTOMER_CART ? token : undefined;
}

/** Forgets the cart (after an order, or when the shop no longer knows it). */
export function forgetCart() {
  local.set(TOKEN, null);
  showCount(0);
}

/**
 * Calls the API on the cart `token` names: `/api/cart`, or `rest` under it. The token is a
 * secret and travels in the Cart-Token header, never in the URL (whose path proxies and
 * servers write to their logs).
 */
export function cartApi(token, rest = '', { method = 'GET', body, headers = {} } = {}) {
  const cart = token === CUSTOMER_CART ? {} : { 'Cart-Token': token };
  return api(`/api/cart${rest}`, { method, body, headers: { ...headers, ...cart } });
}

/** Whether a cart call failed because the cart is gone (404) or, for the customer's own
 * cart, because the session ended (401): either way, start again with no cart. */
export function cartGone(e, token) {
  return e.status === 404 || (e.status === 401 && token === CUSTOMER_CART);
}

/** The item count last seen, for the header before any request. */
export function cachedCount() {
  return Number.parseInt(local.get(COUNT) || '0', 10) || 0;
}

/** Shows `n` items in the header's cart link and remembers it. */
export function showCount(n) {
  local.set(COUNT, String(n));
  for (const el of document.querySelectorAll('[data-cart-count]')) {
    el.textContent = String(n);
    el.hidden = n === 0;
  }
  for (const link of document.querySelectorAll('[data-cart-link]')) {
    link.setAttribute('aria-label', n === 0 ? 'Cart' : `Cart, ${n} ${n === 1 ? 'item' : 'items'}`);
  }
}

let creating = null;

/** The cart's token, creating the cart (once, whatever the number of callers) if needed. A
 * signed-in customer's cart is asked for every time: POST /api/carts answers the one they
 * have (from any device), or makes it. */
export function ensureCart(currency) {
  const token = cartToken();
  if (token && token !== CUSTOMER_CART) return Promise.resolve(token);
  if (!creating) {
    creating = api('/api/carts', { method: 'POST', body: { currency } })
      .then(({ data }) => {
        // Signed in, the shop answers the customer's own cart, which has no token.
        const token = data.token || CUSTOMER_CART;
        local.set(TOKEN, token);
        return token;
      })
      .finally(() => {
        creating = null;
      });
  }
  return creating;
}

/** Adds units of a variant; answers the cart. A cart the shop no longer knows is replaced. */
export async function addToCart(variantId, quantity, currency) {
  const body = { variant_id: variantId, quantity };
  const token = await ensureCart(currency);
  try {
    const { data } = await cartApi(token, '/lines', { method: 'POST', body });
    showCount(data.item_count);
    return data;
  } catch (e) {
    if (!cartGone(e, token)) throw e;
    forgetCart();
    const fresh = await ensureCart(currency);
    const { data } = await cartApi(fresh, '/lines', { method: 'POST', body });
    showCount(data.item_count);
    return data;
  }
}

// --- The shopper's session ---------------------------------------------------------------
// The session is the HttpOnly cookie __Host-session, which no script can read. This browser
// remembers only whether it signed in, a hint for the header's link (never a secret), and
// checks the hint against GET /api/account once per tab. Pages are the same document for
// everyone (revalidated with their ETag, no customer data in them), so it is the script, not
// the server, that says "Account" in the header.

export const SIGNED_IN = 'commerce.account.signed-in';
const CHECKED = 'commerce.account.checked';

/** Whether this browser signed in (and did not sign out) as far as it knows. */
export function signedIn() {
  return local.get(SIGNED_IN) === '1';
}

/** Records a sign-in (true) or a sign-out or ended session (false), and shows it. A
 * sign-in brings the customer's own cart, with this browser's guest cart merged into it; a
 * sign-out leaves that cart to the account, and this browser starts without one. */
export function rememberSignedIn(yes) {
  local.set(SIGNED_IN, yes ? '1' : null);
  session.set(CHECKED, yes ? '1' : null);
  showAccount(yes);
  if (yes) return adoptCustomerCart();
  if (cartToken() === CUSTOMER_CART) forgetCart();
  return Promise.resolve();
}

/** After a sign-in: merges the guest cart this browser holds into the customer's cart
 * (POST /api/cart/merge), and from then on uses the customer's cart. */
async function adoptCustomerCart() {
  const guest = cartToken();
  if (guest && guest !== CUSTOMER_CART) {
    try {
      const { data } = await api('/api/cart/merge', { method: 'POST', headers: { 'Cart-Token': guest } });
      local.set(TOKEN, CUSTOMER_CART);
      showCount(data.cart.item_count);
      return;
    } catch (e) {
      // A guest cart a checkout holds stays this browser's until that checkout ends.
      if (e.status === 409) return;
      // Gone (404) or never mergeable: the customer's cart is the one to use.
    }
  }
  // The customer's cart, if they have one, shows on the cart page; the first "add to cart"
  // makes one if not.
  local.set(TOKEN, CUSTOMER_CART);
}

/** The header's account link: "Account", or "Sign in" coming back to this page. */
export function showAccount(yes) {
  const here = window.location.pathname;
  const back = here.startsWith('/account') ? '' : `?next=${encodeURIComponent(here)}`;
  for (const link of document.querySelectorAll('[data-account-link]')) {
    link.textContent = yes ? 'Account' : 'Sign in';
    link.setAttribute('href', yes ? '/account' : `/account/sign-in${back}`);
  }
}

/** Asks the shop, once per tab, whether the session this browser remembers still holds. */
export async function checkSignedIn() {
  if (!signedIn() || session.get(CHECKED)) return;
  try {
    await api('/api/account');
    session.set(CHECKED, '1');
  } catch (e) {
    if (e.status === 401) rememberSignedIn(false);
  }
}

// --- Money -------------------------------------------------------------------------------

const formats = new Map();

function format(currency) {
  if (!formats.has(currency)) {
    formats.set(currency, new Intl.NumberFormat('en', { style: 'currency', currency, currencyDisplay: 'narrowSymbol' }));
  }
  return formats.get(currency);
}

/** {amount, currency} in minor units → "€29.95", without passing through a float. */
export function money(m) {
  if (!m) return '';
  const nf = format(m.currency);
  const digits = nf.resolvedOptions().maximumFractionDigits;
  const negative = m.amount < 0;
  const text = String(Math.abs(m.amount)).padStart(digits + 1, '0');
  const decimal = digits ? `${text.slice(0, -digits)}.${text.slice(-digits)}` : text;
  // Intl formats decimal strings exactly (no rounding through a double).
  return nf.format(`${negative ? '-' : ''}${decimal}`);
}

// --- Small DOM helpers -------------------------------------------------------------------

/** Creates an element with attributes and children (strings become text, never HTML). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Product pages are at /products/{slug}; a cart line only knows the product's id, so this
 * asks the catalog for slugs and pictures, once per product per page. */
const products = new Map();
export function productInfo(id) {
  if (!products.has(id)) {
    products.set(
      id,
      api(`/api/products/${encodeURIComponent(id)}`)
        .then(({ data }) => data)
        .catch(() => null),
    );
  }
  return products.get(id);
}
