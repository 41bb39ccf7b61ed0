// Lighthouse on the storefront: the home, a category and a product page, mobile preset
// (Lighthouse's default form factor, throttling and screen), each run three times; the
// median run per page is reported with its four category scores and the page's total
// transfer size.
//
//   node benches/lighthouse/run.mjs [--write BENCHMARKS.md] [--runs 3]
//
// It starts the local runner itself (`cargo run --profile host -p commerce-host -- up`) over
// a fresh state directory on a loopback port, makes it the demo shop through the admin API
// (`tools/demo-shop`, the README's quick start), and picks the category and the product from
// the catalog: the best "shirt" match.
// Debian's chromium is used (CHROMIUM overrides /usr/bin/chromium);
// `npm ci --prefix benches/lighthouse` installs Lighthouse.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const write = option('--write', null);
const runs = Number(option('--runs', '3'));
const port = Number(option('--port', '3907'));
const base = `http://127.0.0.1:${port}`;
const token = 'lighthouse-bench-admin-token';

const state = mkdtempSync(join(tmpdir(), 'commerce-lighthouse-'));
const runner = spawn(
  'cargo',
  ['run', '--quiet', '--profile', 'host', '-p', 'commerce-host', '--', 'up',
    '--listen', `127.0.0.1:${port}`, '--state-dir', state],
  { cwd: root, stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, SPIN_VARIABLE_ADMIN_TOKEN: token, RUST_LOG: 'warn' } },
);
let chrome;
const stop = () => {
  runner.kill('SIGINT');
  if (chrome) chrome.kill();
  rmSync(state, { recursive: true, force: true });
};
process.on('exit', stop);

async function ready() {
  for (let i = 0; i < 1200; i++) {
    if (runner.exitCode !== null) throw new Error(`the runner exited with ${runner.exitCode}`);
    try {
      if ((await fetch(`${base}/api/health`)).ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the runner did not become healthy within 10 minutes');
}

async function seed() {
  // The quick start's demo shop: catalog, stock, shipping and tax through the admin API.
  await new Promise((resolve, reject) => {
    const setup = spawn('cargo', ['run', '--quiet', '-p', 'demo-shop', '--', '--url', base, '--token', token],
      { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    setup.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`demo-shop exited with ${code}`))));
  });
  const found = await (await fetch(`${base}/api/search?q=shirt&currency=EUR`)).json();
  const categories = await (await fetch(`${base}/api/categories`)).json();
  const slug = found.items[0].slug;
  const list = categories.items ?? categories;
  const leaf = list.find((c) => c.path.split('/').length >= 2) ?? list[0];
  return [
    ['home', `${base}/`],
    ['category', `${base}/categories/${leaf.path}`],
    ['product', `${base}/products/${slug}`],
  ];
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function audit(url) {
  const result = await lighthouse(url, {
    port: chrome.port,
    output: 'json',
    logLevel: 'error',
    onlyCategories: ['performance', 'accessibility', 'best-practices', 'seo'],
  });
  const lhr = result.lhr;
  const score = (id) => Math.round(lhr.categories[id].score * 100);
  const failed = Object.values(lhr.audits)
    .filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode !== 'informative'
      && a.scoreDisplayMode !== 'manual' && a.scoreDisplayMode !== 'notApplicable')
    .map((a) => a.id);
  return {
    performance: score('performance'),
    accessibility: score('accessibility'),
    'best-practices': score('best-practices'),
    seo: score('seo'),
    bytes: lhr.audits['total-byte-weight'].numericValue,
    lcp: lhr.audits['largest-contentful-paint'].numericValue,
    failed,
  };
}

await ready();
const pages = await seed();
chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  chromeFlags: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const rows = [];
for (const [name, url] of pages) {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await audit(url));
  const perf = median(results.map((r) => r.performance));
  const pick = results.find((r) => r.performance === perf);
  rows.push({ name, path: new URL(url).pathname, ...pick });
  console.error(`${name}: ${JSON.stringify(pick)}`);
}

const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0].model}, `
    + `${Math.round(totalmem() / 2 ** 30)} GiB, Debian chromium, Lighthouse 12.2.3 mobile preset `
    + `(simulated slow 4G and 4× CPU slowdown), median of ${runs} runs per page, with:`,
  '',
  '```sh',
  'npm ci --prefix benches/lighthouse && node benches/lighthouse/run.mjs --write BENCHMARKS.md',
  '```',
  '',
  '| page | path | performance | accessibility | best practices | SEO | transfer | LCP |',
  '|---|---|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.name} | \`${r.path}\` | ${r.performance} | ${r.accessibility} | `
    + `${r['best-practices']} | ${r.seo} | ${(r.bytes / 1024).toFixed(1)} KB | `
    + `${(r.lcp / 1000).toFixed(2)} s |`),
  '',
  ...rows.filter((r) => r.failed.length)
    .map((r) => `Audits below 0.9 on ${r.name}: ${r.failed.map((f) => `\`${f}\``).join(', ')}.`),
].join('\n');
console.log(table);

if (write) {
  const path = join(root, write);
  const doc = readFileSync(path, 'utf8');
  const start = '<!-- lighthouse:start -->';
  const end = '<!-- lighthouse:end -->';
  const block = `${start}\n${table}\n${end}`;
  const next = doc.includes(start)
    ? doc.replace(new RegExp(`${start}[\\s\\S]*?${end}`), block)
    : `${doc.trimEnd()}\n\n## Storefront: Lighthouse\n\n${block}\n`;
  writeFileSync(path, next);
}
stop();
process.exit(0);
