// Time until the Users page shows its first 100 rows in Chromium, signed in
// as a host admin: a full page load each run (the wasm bundle from the
// browser's cache after the first). Used by `bench/bench.py lists --browser`.
//   node bench/users_page.js BASE EMAIL PASSWORD RUNS
const { chromium } = require('../end2end/node_modules/playwright-core');

(async () => {
  const [base, email, password, runs] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
  });
  const page = await browser.newPage();
  await page.goto(`${base}/signin`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('users-table').waitFor();
  const times = [];
  for (let i = 0; i < Number(runs); i++) {
    const started = Date.now();
    await page.goto(`${base}/users`);
    await page.locator('[data-testid=users-table] tbody tr').nth(99).waitFor();
    times.push(Date.now() - started);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ users_page_ms_p50: times[Math.floor(times.length / 2)], users_page_ms_max: times[times.length - 1], runs: times.length }));
  await browser.close();
})();
