// The destinations offered in the cart and at checkout (ISO 3166-1 alpha-2), named in English
// by the browser. Whether the shop really sells to one is the shop's answer: a country without
// a tax rate or a shipping method is refused with a message.
import { h } from './api.js';

export const COUNTRIES = [
  'AT', 'AU', 'BE', 'CA', 'CH', 'CZ', 'DE', 'DK', 'ES', 'FI', 'FR', 'GB', 'GR', 'HU', 'IE',
  'IT', 'JP', 'LU', 'NL', 'NO', 'NZ', 'PL', 'PT', 'RO', 'SE', 'SK', 'US',
];

let names = null;
try {
  names = new Intl.DisplayNames(['en'], { type: 'region' });
} catch {
  names = null;
}

/** "DE" → "Germany". */
export function countryName(code) {
  return (names && names.of(code)) || code;
}

/** Fills a <select> with a placeholder and the countries by name; selects `current`. */
export function fillCountries(select, current) {
  const options = COUNTRIES.map((code) => ({ code, name: countryName(code) }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en'));
  select.replaceChildren(
    h('option', { value: '' }, 'Choose a country'),
    ...options.map(({ code, name }) => h('option', { value: code, selected: code === current }, name)),
  );
}
