// Every page: the header's cart count, from what this browser last saw (no request), and its
// account link (see api.js, signedIn), kept in step with other tabs.
import { SIGNED_IN, cachedCount, checkSignedIn, showAccount, showCount, signedIn } from './api.js';

showCount(cachedCount());
showAccount(signedIn());
checkSignedIn();
window.addEventListener('storage', (e) => {
  if (e.key === 'commerce.cart.count') showCount(cachedCount());
  if (e.key === SIGNED_IN) showAccount(signedIn());
});
