// What the cart and checkout pages share: where the shopper's destination and shipping method
// are remembered between the two pages, and the totals as the shop computed them.
import { h, money } from './api.js';

export const COUNTRY = 'commerce.checkout.country';
export const METHOD = 'commerce.checkout.method';

/** Subtotal, discount, shipping, tax and total of a quote or an order, as [label, text]. */
export function totalsRows(t) {
  const rows = [['Subtotal', money(t.subtotal)]];
  if (t.discount_total && t.discount_total.amount) rows.push(['Discount', `-${money(t.discount_total)}`]);
  rows.push([t.shipping ? `Shipping (${t.shipping.name})` : 'Shipping', t.shipping ? money(t.shipping_total) : 'Not chosen']);
  for (const tax of t.taxes) {
    rows.push([t.tax_mode === 'inclusive' ? `Including ${tax.label}` : tax.label, money(tax.amount)]);
  }
  if (t.taxes.length === 0) rows.push(['Tax', t.tax_mode ? money(t.tax_total) : 'Depends on the country']);
  rows.push(['Total', money(t.grand_total)]);
  return rows;
}

/** Fills a <dl class="totals"> with the rows; the last (the total) stands out. */
export function renderTotals(dl, t) {
  const rows = totalsRows(t);
  dl.replaceChildren(...rows.flatMap(([label, value], k) => {
    const grand = k === rows.length - 1 ? 'grand' : null;
    return [h('dt', { class: grand }, label), h('dd', { class: grand }, value)];
  }));
}
