import { test, expect } from '../support/fixtures';

// What a browser transfers to show /signin with nothing cached (the page, its
// icon, loader script, stylesheet and wasm, and the calls the page makes), as
// Chromium itself counts it: encoded bytes, headers included.
// A ratchet, not the goal: 340.5 KB measured when it was set (BENCHMARKS.md,
// "Dashboard weight"), so any growth past a little headroom fails `make test`.
// Issue 14's goal is 225 KB; the way there is loading each page's code only
// when it is opened, which trunk cannot build yet (BENCHMARKS.md says why).
// Lower this whenever the bundle shrinks.
const BUDGET_BYTES = 345 * 1000;

test('a cold /signin stays within its byte budget on the wire', async ({ browser, gh }) => {
  const context = await browser.newContext(); // a new profile: an empty cache
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const responses = new Map<string, { url: string; encoding: string; cache: string; vary: string }>();
  const bytes = new Map<string, number>();
  cdp.on('Network.responseReceived', (e) => {
    const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    responses.set(e.requestId, { url: e.response.url, encoding: h['content-encoding'] ?? 'identity', cache: h['cache-control'] ?? '', vary: h['vary'] ?? '' });
  });
  cdp.on('Network.loadingFinished', (e) => bytes.set(e.requestId, e.encodedDataLength));

  await page.goto(`${gh.baseUrl}/signin`);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await page.waitForLoadState('networkidle');

  const rows = [...responses].map(([id, r]) => ({ ...r, url: r.url.replace(gh.baseUrl, ''), bytes: bytes.get(id) ?? 0 }));
  const total = rows.reduce((sum, r) => sum + r.bytes, 0);
  // For BENCHMARKS.md: the figure and where it goes.
  console.log(JSON.stringify({ cold_signin_bytes: total, budget: BUDGET_BYTES, resources: rows }, null, 1));

  const wasm = rows.find((r) => r.url.endsWith('.wasm'));
  expect(wasm, 'the wasm was loaded').toBeDefined();
  expect(wasm!.encoding, 'the wasm comes precompressed with brotli').toBe('br');
  expect(wasm!.vary).toMatch(/accept-encoding/i);
  for (const asset of rows.filter((r) => /\.(wasm|js|css)$/.test(r.url))) {
    expect(asset.cache, `${asset.url} is kept`).toBe('public, max-age=31536000, immutable');
  }
  expect(rows.find((r) => r.url === '/signin')!.cache, 'the page itself is checked each time').toBe('no-cache');
  expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
  await context.close();
});
