// The product page: a variant picker (one radio group per option instead of the list of
// variants; price, compare-at price and availability follow the choice, and the address keeps
// ?variant= so it can be shared or reloaded), and add to cart without leaving the page.
// The server renders everything this script changes, so the page works without it.
import './site.js';
import { addToCart, h } from './api.js';

const dataEl = document.getElementById('product-data');
const form = document.querySelector('[data-add-to-cart]');
if (dataEl && form) start(JSON.parse(dataEl.textContent), form);

function start(data, form) {
  const byId = new Map(data.variants.map((v) => [v.id, v]));
  const choice = form.querySelector('[data-variant-select]');
  const groups = form.querySelector('[data-option-groups]');
  const listField = form.querySelector('[data-variant-field]');
  const button = form.querySelector('[data-add-button]');
  const status = form.querySelector('[data-cart-status]');
  const quantity = form.querySelector('#quantity');
  const price = document.querySelector('[data-price]');
  const was = document.querySelector('[data-compare-at]');
  const wasAmount = document.querySelector('[data-compare-at-amount]');
  const availability = document.querySelector('[data-availability]');
  const radios = groups ? [...groups.querySelectorAll('input[type="radio"]')] : [];
  let current = byId.get(choice.value) || byId.get(data.selected);

  // Radio groups replace the list of variants.
  if (groups && listField) {
    groups.hidden = false;
    listField.hidden = true;
  }
  const live = document.querySelector('.price-block');
  if (live) live.setAttribute('aria-live', 'polite');

  /** The variant having `values` ({option: value}), if any. */
  const find = (values) => data.variants.find((v) => data.options.every((o) => v.options[o] === values[o]));

  /** The option values the radios show. */
  const chosen = () => {
    const values = {};
    for (const r of radios) if (r.checked) values[r.dataset.option] = r.value;
    return values;
  };

  /** Marks the values that, with the other choices kept, give no variant that can be bought. */
  const markUnavailable = () => {
    const values = chosen();
    for (const r of radios) {
      const v = find({ ...values, [r.dataset.option]: r.value });
      const label = form.querySelector(`label[for="${r.id}"]`);
      if (label) label.classList.toggle('unavailable', !(v && v.purchasable));
    }
  };

  const show = (v, { remember }) => {
    current = v;
    choice.value = v.id;
    for (const r of radios) r.checked = v.options[r.dataset.option] === r.value;
    price.textContent = v.price || '';
    if (v.compare_at) {
      wasAmount.textContent = v.compare_at;
      was.hidden = false;
    } else {
      was.hidden = true;
    }
    availability.textContent = v.availability;
    availability.dataset.state = v.state;
    button.disabled = !v.purchasable;
    markUnavailable();
    if (remember) {
      const url = new URL(window.location.href);
      url.searchParams.set('variant', v.id);
      window.history.replaceState(null, '', url);
    }
    const picture = v.image && document.getElementById(v.image);
    const track = picture && picture.parentElement;
    if (track) track.scrollTo({ left: picture.offsetLeft - track.offsetLeft });
  };

  for (const r of radios) {
    r.addEventListener('change', () => {
      // Keep the other choices if that combination exists; else the first variant with the
      // value just picked.
      const v = find(chosen()) || data.variants.find((x) => x.options[r.dataset.option] === r.value);
      if (v) show(v, { remember: true });
    });
  }
  if (choice.tagName === 'SELECT') {
    choice.addEventListener('change', () => {
      const v = byId.get(choice.value);
      if (v) show(v, { remember: true });
    });
  }
  if (current) show(current, { remember: false });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!current || !current.purchasable || button.disabled) return;
    const n = Number.parseInt(quantity.value, 10);
    if (!Number.isInteger(n) || n < 1 || n > 99) {
      status.textContent = 'Choose a quantity from 1 to 99.';
      quantity.focus();
      return;
    }
    button.disabled = true;
    status.textContent = 'Adding to your cart…';
    try {
      const cart = await addToCart(current.id, n, data.currency);
      const items = cart.item_count === 1 ? '1 item' : `${cart.item_count} items`;
      status.replaceChildren(
        `Added to your cart (${items}). `,
        h('a', { href: '/cart' }, 'View cart'),
      );
    } catch (err) {
      status.textContent = `Not added: ${err.explanation}`;
    } finally {
      button.disabled = !current.purchasable;
    }
  });
}
