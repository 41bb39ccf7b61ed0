// The order page: the confirmation after checkout (?placed=1) and the order status page, both
// opened by the guest lookup link /order?number=1001&token=ogt_… (the token is the secret
// the checkout gave; an unknown number and a wrong token get the same answer). Without both,
// the page offers the lookup form.
import './site.js';
import { api, h, money } from './api.js';
import { countryName } from './countries.js';
import { renderTotals } from './totals.js';

const STATUS = {
  pending_payment: 'Awaiting payment',
  paid: 'Paid',
  fulfilled: 'Packed',
  shipped: 'Shipped',
  delivered: 'Delivered',
  cancelled: 'Cancelled',
  refunded: 'Refunded',
  partially_refunded: 'Partly refunded',
};

const root = document.querySelector('[data-order-root]');
const lookup = document.querySelector('[data-lookup]');
const title = document.querySelector('[data-order-title]');
const params = new URLSearchParams(window.location.search);
const number = (params.get('number') || '').trim();
const token = (params.get('token') || '').trim();

if (number && token) open(number, token, params.get('placed') === '1');

function when(ms) {
  return new Date(ms).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

async function open(n, t, placed) {
  lookup.hidden = true;
  root.replaceChildren(h('p', {}, 'Loading your order…'));
  let order;
  try {
    ({ data: order } = await api(`/api/orders/${encodeURIComponent(n)}?${new URLSearchParams({ token: t })}`));
  } catch (e) {
    const text = e.status === 404 || e.status === 400
      ? 'We could not find an order with this number and code. Check the link you got when you ordered.'
      : `Your order could not be loaded: ${e.explanation}`;
    root.replaceChildren(h('p', { class: 'notice notice-error', role: 'alert' }, text));
    document.getElementById('number').value = n;
    document.getElementById('token').value = t;
    lookup.hidden = false;
    return;
  }
  // The address without ?placed=1 is the one to keep.
  const link = new URL(window.location.href);
  link.searchParams.delete('placed');
  window.history.replaceState(null, '', link);

  title.textContent = placed ? `Thank you! Order #${order.number} is placed` : `Order #${order.number}`;
  // The shop's name (the variable store_name), as the server rendered it into the page.
  const shop = document.querySelector('meta[property="og:site_name"]')?.content;
  document.title = shop ? `Order #${order.number} | ${shop}` : `Order #${order.number}`;
  const totals = h('dl', { class: 'totals' });
  renderTotals(totals, order);
  if (order.refunded_total && order.refunded_total.amount) {
    totals.append(h('dt', {}, 'Refunded'), h('dd', {}, money(order.refunded_total)));
  }
  const a = order.shipping_address;
  const address = [a.name, a.company, a.line1, a.line2, [a.postal_code, a.city].filter(Boolean).join(' '), a.region, countryName(a.country)]
    .filter(Boolean).join('\n');
  const events = [
    ['Placed', order.created_at], ['Paid', order.paid_at], ['Packed', order.fulfilled_at],
    ['Shipped', order.shipped_at], ['Delivered', order.delivered_at], ['Cancelled', order.cancelled_at],
  ].filter(([, at]) => at);
  const tracking = order.tracking;
  const trackingUrl = tracking && tracking.url && /^https?:\/\//.test(tracking.url) ? tracking.url : null;

  root.replaceChildren(
    h('p', {}, 'Status: ', h('span', { class: 'order-status', 'data-order-status': order.status }, STATUS[order.status] || order.status)),
    placed ? h('p', { class: 'notice notice-ok' },
      `We have your order and your payment. Keep the address of this page: it is your link to order #${order.number}.`) : '',
    h('div', { class: 'two-column' },
      h('section', { 'aria-labelledby': 'items-title' },
        h('h2', { id: 'items-title' }, 'Items'),
        h('ul', { class: 'summary-lines' }, order.lines.map((l) => h('li', {},
          h('span', {}, `${l.quantity} × ${l.product_title} (${l.variant_title})`),
          h('span', {}, money(l.subtotal))))),
        totals),
      h('section', { 'aria-labelledby': 'delivery-title' },
        h('h2', { id: 'delivery-title' }, 'Delivery'),
        h('address', { class: 'address' }, address),
        tracking ? h('p', {}, `${tracking.carrier} tracking: `, trackingUrl ? h('a', { href: trackingUrl, rel: 'noopener' }, tracking.number) : tracking.number) : '',
        h('h2', {}, 'History'),
        h('ul', { class: 'timeline' }, events.map(([label, at]) => h('li', {}, `${label}: ${when(at)}`))))),
  );
}
