// Every page: the header's cart count, from what this browser last saw (no request), kept in
// step with other tabs.
import { cachedCount, showCount } from './api.js';

showCount(cachedCount());
window.addEventListener('storage', (e) => {
  if (e.key === 'commerce.cart.count') showCount(cachedCount());
});
