import { test, expect } from '../support/fixtures';

// Each page's code is a module fetched when the page is first opened
// (scripts/split-wasm). A console left open across an update asks for the
// old build's modules, which are gone: it loads itself again, once, from the
// current build instead of stopping dead. (The router changes the address
// only once the new page is ready, so the reload is of the page the person
// was on; the next click opens the new one.)
test('a page whose module cannot be fetched reloads the console once, and the page then opens', async ({ page, gh }) => {
  let refused = 0;
  await page.route(/split___forgot_route[^/]*\.wasm$/, async (route) => {
    if (refused++ === 0) return route.abort(); // gone, the first time only
    return route.continue();
  });
  let loads = 0;
  page.on('load', () => loads++);

  await page.goto(`${gh.baseUrl}/signin`);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  expect(loads).toBe(1);

  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect.poll(() => loads, 'one reload').toBe(2);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();

  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page.getByRole('heading', { name: 'Reset your password' })).toBeVisible();
  await expect(page).toHaveURL(/\/forgot$/);
  expect(refused, 'asked twice: refused, then fetched').toBe(2);
  expect(loads, 'no more reloads').toBe(2);
});
