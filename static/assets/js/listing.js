// Listings (categories, search, all products): choosing a filter or a sort applies it at once.
// Without this script the forms' buttons do the same.
import './site.js';

/** Submits a GET form without its empty fields (e.g. "Any price"). */
function go(form) {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (typeof value === 'string' && value.trim() !== '') params.append(name, value);
  }
  const query = params.toString();
  window.location.assign(query ? `${form.action}?${query}` : form.action);
}

for (const form of document.querySelectorAll('[data-filter-form], [data-sort-form]')) {
  form.addEventListener('change', (e) => {
    if (e.target.matches('input[type="checkbox"], input[type="radio"], select')) go(form);
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    go(form);
  });
}

// The sort applies on change; its button is only for pages without this script.
for (const button of document.querySelectorAll('[data-sort-form] [data-apply]')) {
  button.hidden = true;
}
