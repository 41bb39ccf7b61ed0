// The account pages (/account/...): sign-in, registration, the account (profile, password,
// sign out everywhere), password reset and email verification, over /api/account. The page
// says which it is with data-account on its root. Signing in asks for "session": "cookie", so
// the session lives only in the HttpOnly cookie: this script never sees it, and every call
// carries it (same-origin fetch, which also sends the Origin the API checks). The links of the
// mails, /account/password-reset/confirm?token=… and /account/verify?token=…, are read here,
// never by the server. Field errors of a problem's `errors` are shown next to their fields.
import './site.js';
import { api, h, rememberSignedIn, signedIn } from './api.js';

const params = new URLSearchParams(window.location.search);
const root = document.querySelector('[data-account]');
const pageStatus = document.querySelector('[data-page-status]');

/**
 * Where a sign-in goes on: `?next=` when it is a path of this site, else the account. The
 * URL parser decides (it drops tabs and reads backslashes as slashes, so "/\t/evil.example"
 * is another site), never a pattern on the text.
 */
function nextPath() {
  const next = params.get('next') || '';
  if (!next.startsWith('/')) return '/account';
  const url = new URL(next, window.location.origin);
  return url.origin === window.location.origin ? `${url.pathname}${url.search}${url.hash}` : '/account';
}

/** Messages other pages send to the sign-in page (`?notice=`), by name only. */
const NOTICES = {
  'signed-out': 'You are signed out.',
  'signed-out-everywhere': 'You are signed out on every device and browser.',
  'session-ended': 'Your session has ended. Please sign in again.',
  'password-reset': 'Your new password is set, and every device was signed out. Sign in with the new password.',
};

/** Shows `text` in a status element: kind "ok", "error" or "" (neutral). */
function say(el, text, kind = '') {
  if (!el) return;
  if (!text) {
    el.replaceChildren();
    return;
  }
  el.replaceChildren(h('p', { class: kind ? `notice notice-${kind}` : 'notice' }, text));
}

/** The session ended while on a page that needs it: to the sign-in page, coming back here. */
function sessionLost() {
  rememberSignedIn(false);
  const next = encodeURIComponent(window.location.pathname);
  window.location.assign(`/account/sign-in?notice=session-ended&next=${next}`);
}

/** Whether an API error means the request had no (live) session. */
function noSession(e) {
  return e.status === 401 && e.type !== 'invalid-credentials';
}

/** The text of a field's label, without "(optional)". */
function labelOf(input) {
  const label = input.labels && input.labels[0];
  return label ? label.childNodes[0].textContent.trim() : input.name;
}

/** Removes the field errors a previous answer left. */
function clearErrors(form) {
  for (const el of form.querySelectorAll('[data-field-error]')) el.remove();
  for (const input of form.querySelectorAll('[aria-invalid]')) {
    input.removeAttribute('aria-invalid');
    const ids = (input.getAttribute('aria-describedby') || '').split(' ').filter((id) => id && id !== `${input.id}-error`);
    if (ids.length) input.setAttribute('aria-describedby', ids.join(' '));
    else input.removeAttribute('aria-describedby');
  }
}

/**
 * Shows each {path, message} next to the field its path names ("/new_password" →
 * name="new_password"); answers the messages that name no field of the form.
 */
function showErrors(form, errors) {
  const rest = [];
  let first = null;
  for (const { path, message } of errors) {
    const name = String(path || '').replace(/^\//, '').split('/')[0];
    const input = name ? form.elements.namedItem(name) : null;
    if (!input || !input.id) {
      rest.push(message);
      continue;
    }
    const text = /^[A-Z]/.test(message) ? message : `${labelOf(input)} ${message}.`;
    const id = `${input.id}-error`;
    const error = h('p', { class: 'field-error', id, 'data-field-error': true }, text);
    const field = input.closest('.field, .check') || input;
    field.append(error);
    input.setAttribute('aria-invalid', 'true');
    const ids = (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
    input.setAttribute('aria-describedby', [...ids, id].join(' '));
    first = first || input;
  }
  if (first) first.focus();
  return rest;
}

/** The form's fields: strings, and booleans for checkboxes. */
function values(form) {
  const v = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    v[el.name] = el.type === 'checkbox' ? el.checked : el.value;
  }
  return v;
}

/**
 * Runs `submit(values)` on each submit of the form `name`, with its button busy meanwhile.
 * A refusal is shown: field errors by their fields, others in the form's status; `refused(e)`
 * may handle one first (answering true when it did).
 */
function onSubmit(name, submit, refused = () => false) {
  const form = document.querySelector(`[data-form="${name}"]`);
  if (!form) return null;
  const status = form.querySelector('[data-status]');
  const button = form.querySelector('button[type="submit"]');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (button.disabled) return;
    clearErrors(form);
    say(status, '');
    button.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      await submit(values(form), form, status);
    } catch (e) {
      if (!(e && 'status' in e)) throw e;
      if (noSession(e) && name !== 'sign-in' && name !== 'register') {
        sessionLost();
        return;
      }
      if (!refused(e, form, status)) {
        const rest = showErrors(form, e.errors);
        const text = e.errors.length
          ? ['Please correct the fields marked.', ...rest].join(' ')
          : e.message;
        say(status, text, 'error');
      }
    } finally {
      button.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
  button.disabled = false;
  return form;
}

/** `POST /api/account{path}` with a JSON body. */
function post(path, body) {
  return api(`/api/account${path}`, { method: 'POST', body });
}

/** Signs in with the session in the cookie; the customer. */
async function signIn(email, password) {
  const { data } = await post('/sign-in', { email, password, session: 'cookie' });
  // Before the next page: the guest cart is merged into the customer's.
  await rememberSignedIn(true);
  return data.customer;
}

// --- The pages -----------------------------------------------------------------------------

function signInPage() {
  const notice = NOTICES[params.get('notice')];
  if (notice) say(pageStatus, notice, 'ok');
  onSubmit('sign-in', async (v) => {
    await signIn(v.email, v.password);
    window.location.assign(nextPath());
  }, (e, form, status) => {
    if (e.type !== 'invalid-credentials') return false;
    say(status, 'The email or the password is wrong. Check both, or reset your password.', 'error');
    const password = form.elements.namedItem('password');
    password.value = '';
    password.focus();
    return true;
  });
}

function registerPage() {
  onSubmit('register', async (v, form, status) => {
    const name = v.name.trim();
    const { data } = await post('/register', {
      email: v.email,
      password: v.password,
      name: name || undefined,
      marketing_consent: v.marketing_consent,
    });
    // Registration answers the same whether the email had an account or not. Signing in
    // with what was just typed succeeds for a new account; for a taken email it fails, and
    // the shopper reads the same answer as the API's (the mail tells the owner the rest).
    try {
      await signIn(v.email, v.password);
    } catch (e) {
      if (e.type !== 'invalid-credentials') throw e;
      form.elements.namedItem('password').value = '';
      say(status, data.detail, 'ok');
      return;
    }
    window.location.assign('/account?notice=welcome');
  });
}

function profilePage() {
  const main = document.querySelector('[data-account-root]');
  const profile = document.querySelector('[data-form="profile"]');
  const verifiedText = document.querySelector('[data-verified-text]');
  const resend = document.querySelector('[data-resend]');
  const username = document.querySelector('[data-username]');
  let customer = null;

  function show(c) {
    customer = c;
    profile.elements.namedItem('name').value = c.name || '';
    profile.elements.namedItem('email').value = c.email;
    profile.elements.namedItem('marketing_consent').checked = c.marketing_consent;
    username.value = c.email;
    verifiedText.textContent = c.verified
      ? `Your email ${c.email} is confirmed.`
      : `Your email ${c.email} is not confirmed yet: open the link we sent to it.`;
    resend.hidden = c.verified;
  }

  async function load() {
    try {
      const { data } = await api('/api/account');
      if (!signedIn()) rememberSignedIn(true);
      show(data);
    } catch (e) {
      if (noSession(e)) {
        rememberSignedIn(false);
        window.location.replace('/account/sign-in?next=%2Faccount');
        return;
      }
      say(pageStatus, `Your account could not be loaded: ${e.explanation}`, 'error');
      return;
    }
    say(pageStatus, params.get('notice') === 'welcome'
      ? `Welcome! We sent a link to ${customer.email}: open it to confirm your email.`
      : '', 'ok');
    main.hidden = false;
  }

  onSubmit('profile', async (v, form, status) => {
    const change = {
      name: v.name.trim() ? v.name : null,
      marketing_consent: v.marketing_consent,
    };
    const newEmail = v.email.trim() !== customer.email;
    if (newEmail) change.email = v.email;
    const { data } = await api('/api/account', { method: 'PATCH', body: change });
    show(data);
    say(status, newEmail
      ? `Your changes are saved. We sent a link to ${data.email}: open it to confirm the new email.`
      : 'Your changes are saved.', 'ok');
  }, (e, form, status) => {
    if (e.type !== 'conflict') return false;
    showErrors(form, [{ path: '/email', message: 'Another account has this email.' }]);
    say(status, 'Please correct the fields marked.', 'error');
    return true;
  });

  resend.addEventListener('click', async () => {
    resend.disabled = true;
    try {
      await post('/email-verification');
      verifiedText.textContent = `We sent a new link to ${customer.email}. Links sent before no longer work.`;
    } catch (e) {
      if (noSession(e)) sessionLost();
      else verifiedText.textContent = `The link could not be sent: ${e.explanation}`;
    } finally {
      resend.disabled = false;
    }
  });

  onSubmit('password', async (v, form, status) => {
    await post('/password', { current_password: v.current_password, new_password: v.new_password });
    form.reset();
    username.value = customer.email;
    say(status, 'Your password is changed. Your other devices and browsers were signed out.', 'ok');
  }, (e, form, status) => {
    if (e.type !== 'invalid-credentials') return false;
    showErrors(form, [{ path: '/current_password', message: 'The current password is wrong.' }]);
    say(status, 'Please correct the fields marked.', 'error');
    return true;
  });

  const signOutStatus = document.querySelector('[data-sign-out-status]');
  for (const [selector, path, notice] of [
    ['[data-sign-out]', '/sign-out', 'signed-out'],
    ['[data-sign-out-everywhere]', '/sign-out-everywhere', 'signed-out-everywhere'],
  ]) {
    const button = document.querySelector(selector);
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await post(path);
      } catch (e) {
        // A session that had already ended is signed out all the same.
        if (!noSession(e)) {
          say(signOutStatus, `You could not be signed out: ${e.explanation}`, 'error');
          button.disabled = false;
          return;
        }
      }
      rememberSignedIn(false);
      window.location.assign(`/account/sign-in?notice=${notice}`);
    });
  }
  load();
}

function passwordResetPage() {
  onSubmit('password-reset', async (v, form, status) => {
    const { data } = await post('/password-reset', { email: v.email });
    say(status, data.detail, 'ok');
  });
}

/** The token of a mail's link, or null (then the page says so). */
function linkToken(status) {
  const token = (params.get('token') || '').trim();
  if (!token) {
    say(status, 'This page needs the link from your mail: open the link in the message we sent.', 'error');
    return null;
  }
  return token;
}

const DEAD_LINK = 'This link has expired, was replaced by a newer one, or was used already.';

function passwordResetConfirmPage() {
  const form = document.querySelector('[data-form="password-reset-confirm"]');
  const token = linkToken(form.querySelector('[data-status]'));
  if (!token) return;
  onSubmit('password-reset-confirm', async (v) => {
    await post('/password-reset/confirm', { token, new_password: v.new_password });
    // The reset ended every session, this browser's too.
    rememberSignedIn(false);
    window.location.assign('/account/sign-in?notice=password-reset');
  }, (e, _form, status) => {
    if (e.type !== 'invalid-token') return false;
    say(status, `${DEAD_LINK} Ask for a new link below.`, 'error');
    return true;
  });
}

async function verifyPage() {
  const token = linkToken(pageStatus);
  if (!token) return;
  try {
    const { data } = await post('/email-verification/confirm', { token });
    say(pageStatus, `Thank you: your email ${data.email} is confirmed.`, 'ok');
  } catch (e) {
    const text = e.type === 'invalid-token'
      ? `${DEAD_LINK} Sign in to send a new one from your account.`
      : `Your email could not be confirmed: ${e.explanation}`;
    say(pageStatus, text, 'error');
  }
}

const PAGES = {
  'sign-in': signInPage,
  register: registerPage,
  profile: profilePage,
  'password-reset': passwordResetPage,
  'password-reset-confirm': passwordResetConfirmPage,
  verify: verifyPage,
};

PAGES[root?.dataset.account]?.();
