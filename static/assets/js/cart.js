// The cart page: the lines with current prices (change a quantity, remove a line; a refusal is
// shown next to its line), the destination and shipping method, and the totals with shipping
// and tax as the shop computes them. It also completes the product page's form when that page
// ran without its script (/cart?add=<variant>&quantity=n&currency=EUR).
import './site.js';
import { addToCart, api, cartApi, cartGone, cartToken, forgetCart, h, local, money, productInfo, showCount } from './api.js';
import { countryName, fillCountries } from './countries.js';
import { COUNTRY, METHOD, renderTotals } from './totals.js';

const root = document.querySelector('[data-cart-root]');
let cart = null;

const STATUS_TEXT = {
  discontinued: 'No longer sold: lower the quantity or remove it.',
  unpriced: 'Not sold in this currency any more: remove it to check out.',
};

start();

async function start() {
  const params = new URLSearchParams(window.location.search);
  let notice = null;
  const add = params.get('add');
  if (add) {
    window.history.replaceState(null, '', '/cart');
    const quantity = Math.min(99, Math.max(1, Number.parseInt(params.get('quantity') || '1', 10) || 1));
    try {
      await addToCart(add, quantity, params.get('currency') || 'EUR');
      notice = { ok: true, text: 'Added to your cart.' };
    } catch (e) {
      notice = { ok: false, text: `Not added: ${e.explanation}` };
    }
  }
  await load(notice);
}

async function load(notice) {
  const token = cartToken();
  if (!token) return empty(notice);
  try {
    cart = (await cartApi(token)).data;
  } catch (e) {
    if (cartGone(e, token)) {
      forgetCart();
      return empty(notice);
    }
    root.replaceChildren(h('p', { class: 'notice notice-error', role: 'alert' }, `Your cart could not be loaded: ${e.explanation}`));
    return undefined;
  }
  showCount(cart.item_count);
  if (cart.lines.length === 0) return empty(notice);
  render(notice);
  return undefined;
}

function noticeElement(notice) {
  if (!notice) return null;
  return h('p', { class: `notice ${notice.ok ? 'notice-ok' : 'notice-error'}`, role: notice.ok ? 'status' : 'alert' }, notice.text);
}

function empty(notice) {
  root.replaceChildren(
    noticeElement(notice) || '',
    h('p', {}, 'Your cart is empty.'),
    h('p', {}, h('a', { class: 'button', href: '/products' }, 'Browse products')),
  );
}

/** The whole cart: lines, then the summary. */
function render(notice) {
  const lines = h('ul', { class: 'cart-lines' }, cart.lines.map(lineItem));
  const summary = summaryBox();
  root.replaceChildren(
    noticeElement(notice) || '',
    h('div', { class: 'two-column' },
      h('section', { 'aria-labelledby': 'lines-title' }, h('h2', { id: 'lines-title', class: 'visually-hidden' }, 'Items'), lines),
      summary),
  );
  refreshMethods();
}

function lineItem(line) {
  const title = line.product_title || 'A product no longer sold';
  const errorId = `error-${line.id}`;
  const picture = h('span', { class: 'card-placeholder', 'aria-hidden': 'true' });
  const name = h('span', {}, title);
  const qty = h('input', {
    id: `qty-${line.id}`, type: 'number', inputmode: 'numeric', min: '0', max: '99',
    value: String(line.quantity), 'aria-describedby': errorId,
  });
  qty.dataset.lineId = line.id;
  qty.addEventListener('change', () => setQuantity(line, qty));
  const remove = h('button', { type: 'button', class: 'button-link', 'data-remove': line.id, onclick: () => removeLine(line) },
    'Remove', h('span', { class: 'visually-hidden' }, ` ${title}`));
  const item = h('li', { class: 'cart-line', 'data-line': line.id },
    picture,
    h('div', {},
      h('h3', {}, name),
      h('p', { class: 'meta' }, [line.variant_title, line.sku].filter(Boolean).join(' · ')),
      line.status === 'available'
        ? h('p', { class: 'meta' }, `${money(line.unit_price)} each`)
        : h('p', { class: 'error' }, STATUS_TEXT[line.status] || 'Not available.'),
      h('div', { class: 'line-controls' },
        h('div', { class: 'field' },
          h('label', { for: qty.id }, 'Quantity', h('span', { class: 'visually-hidden' }, ` of ${title}`)),
          qty),
        remove,
        h('span', { class: 'line-total' }, line.line_total ? money(line.line_total) : '')),
      h('p', { class: 'field-error', id: errorId, role: 'alert', hidden: true })));
  // Link the title and show the picture once the catalog says where the product lives.
  productInfo(line.product_id).then((p) => {
    if (!p) return;
    const href = `/products/${encodeURIComponent(p.slug)}`;
    name.replaceWith(h('a', { href }, title));
    const image = p.images && p.images[0];
    if (image) picture.replaceWith(h('img', { src: image.url, alt: '', width: '80', height: '80', loading: 'lazy' }));
  });
  return item;
}

function lineError(lineId, text) {
  const el = document.getElementById(`error-${lineId}`);
  if (!el) return;
  el.textContent = text;
  el.hidden = !text;
}

/** Re-renders after a change and puts the focus back where the shopper was. */
function rerender(focusId) {
  render(null);
  const target = (focusId && document.getElementById(focusId)) || document.querySelector('h1');
  if (target) {
    if (target.tagName === 'H1') target.setAttribute('tabindex', '-1');
    target.focus();
  }
}

async function setQuantity(line, input) {
  const n = Number.parseInt(input.value, 10);
  if (!Number.isInteger(n) || n < 0 || n > 99) {
    lineError(line.id, 'Choose a quantity from 0 to 99 (0 removes the line).');
    input.value = String(line.quantity);
    return;
  }
  if (n === line.quantity) return;
  input.disabled = true;
  try {
    const { data } = await cartApi(cartToken(), `/lines/${encodeURIComponent(line.id)}`, { method: 'PATCH', body: { quantity: n } });
    cart = data;
    showCount(cart.item_count);
    if (cart.lines.length === 0) return empty({ ok: true, text: 'The line was removed.' });
    rerender(n === 0 ? null : `qty-${line.id}`);
  } catch (e) {
    input.disabled = false;
    input.value = String(line.quantity);
    lineError(line.id, e.explanation);
    if (e.status === 404) await load({ ok: false, text: 'Your cart has changed or expired.' });
  }
  return undefined;
}

async function removeLine(line) {
  const next = cart.lines[cart.lines.indexOf(line) + 1];
  try {
    const { data } = await cartApi(cartToken(), `/lines/${encodeURIComponent(line.id)}`, { method: 'DELETE' });
    cart = data;
    showCount(cart.item_count);
    if (cart.lines.length === 0) return empty({ ok: true, text: `${line.product_title || 'The product'} was removed.` });
    rerender(next ? `qty-${next.id}` : null);
  } catch (e) {
    lineError(line.id, e.explanation);
  }
  return undefined;
}

// --- Destination, shipping method and totals ----------------------------------------------

let countrySelect;
let methodsBox;
let totalsBox;
let totalsError;

function summaryBox() {
  countrySelect = h('select', { id: 'country', autocomplete: 'country' });
  fillCountries(countrySelect, local.get(COUNTRY) || '');
  countrySelect.addEventListener('change', () => {
    local.set(COUNTRY, countrySelect.value || null);
    refreshMethods();
  });
  methodsBox = h('fieldset', { class: 'methods' }, h('legend', {}, 'Shipping method'));
  totalsBox = h('dl', { class: 'totals' });
  totalsError = h('p', { class: 'error', role: 'alert', hidden: true });
  const checkout = checkoutState(cart)
    || (cart.ready_for_checkout
      ? h('a', { class: 'button', href: '/checkout' }, 'Check out')
      : h('p', { class: 'error' }, 'Remove the lines that can no longer be bought to check out.'));
  return h('aside', { class: 'summary', 'aria-labelledby': 'summary-title' },
    h('h2', { id: 'summary-title' }, 'Order summary'),
    h('div', { class: 'field' }, h('label', { for: 'country' }, 'Ship to'), countrySelect),
    methodsBox, totalsBox, totalsError, checkout);
}

async function refreshMethods() {
  const country = countrySelect.value;
  const query = new URLSearchParams({ currency: cart.currency, limit: '100' });
  if (country) query.set('country', country);
  let methods = [];
  try {
    methods = (await api(`/api/shipping-methods?${query}`)).data.items;
  } catch (e) {
    methods = [];
    showTotalsError(e.explanation);
  }
  const saved = local.get(METHOD);
  const selected = methods.some((m) => m.id === saved) ? saved : methods[0] && methods[0].id;
  methodsBox.replaceChildren(h('legend', {}, 'Shipping method'));
  if (methods.length === 0) {
    methodsBox.append(h('p', { class: 'hint' }, country
      ? `No shipping method delivers to ${countryName(country)}.`
      : 'Choose a country to see the shipping methods.'));
  }
  for (const m of methods) {
    const id = `method-${m.id}`;
    const input = h('input', { type: 'radio', name: 'shipping_method', id, value: m.id, checked: m.id === selected });
    input.addEventListener('change', () => {
      local.set(METHOD, m.id);
      refreshTotals();
    });
    methodsBox.append(h('div', { class: 'check' }, input, h('label', { for: id }, `${m.name} – ${money(m.price)}`)));
  }
  await refreshTotals();
}

function showTotalsError(text) {
  totalsError.textContent = text || '';
  totalsError.hidden = !text;
}

async function refreshTotals() {
  const query = new URLSearchParams();
  if (countrySelect.value) query.set('country', countrySelect.value);
  const method = methodsBox.querySelector('input:checked');
  if (method) query.set('shipping_method', method.value);
  try {
    const { data } = await cartApi(cartToken(), `/totals?${query}`);
    showTotalsError('');
    renderTotals(totalsBox, data);
  } catch (e) {
    totalsBox.replaceChildren();
    showTotalsError(e.explanation);
  }
}

/**
 * What the summary says when a checkout holds the cart or has bought it (`cart.checkout`):
 * a cart is bought once, and its lines cannot change meanwhile. `null` for an open cart.
 */
function checkoutState(c) {
  if (!c.checkout) return null;
  if (c.checkout.status === 'ordered') {
    forgetCart();
    const number = c.checkout.order_number;
    return h('p', { class: 'notice', role: 'status' },
      number ? `This cart was ordered as order #${number}. ` : 'This cart was ordered. ',
      h('a', { href: '/' }, 'Continue shopping'));
  }
  return h('p', { class: 'notice', role: 'status' },
    'A checkout of this cart is in progress, in this or another window: its lines cannot change until it ends. ',
    h('a', { href: '/checkout' }, 'Return to checkout'));
}
