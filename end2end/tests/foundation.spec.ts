import { test, expect } from '../support/fixtures';
import { ADMIN, setUpAdmin, signIn } from '../support/flows';

test('setup, sign in, dashboard, sign out', async ({ page, gh }) => {
  await setUpAdmin(page, gh);
  await expect(page.getByTestId('users-table')).toContainText(ADMIN.email);
  await expect(page.getByRole('link', { name: 'Host settings' })).toBeVisible();

  await page.getByRole('link', { name: 'Host settings' }).click();
  await expect(page.getByText(gh.baseUrl, { exact: true })).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin$/);

  // A used setup link says so instead of showing the form.
  await page.goto(gh.setupLink!);
  await expect(page.getByText('This setup link has already been used or has expired')).toBeVisible();

  await signIn(page, gh, ADMIN.email, 'wrong password!!');
  await expect(page.getByRole('alert')).toContainText('Wrong email or password.');
  await signIn(page, gh, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByTestId('me-email')).toHaveText(ADMIN.email);

  // Without a session the dashboard sends you to sign in.
  await page.context().clearCookies();
  await page.goto(`${gh.baseUrl}/accounts`);
  await expect(page).toHaveURL(/\/signin$/);
});

test('a host user reads users but manages nothing, sees no Host settings, and the server refuses them too', async ({ page, gh }) => {
  await setUpAdmin(page, gh);
  gh.cli(['user', 'create', '--email', 'helper@example.com', '--role', 'host_user'], 'helper password 1\n');
  await page.context().clearCookies();

  await signIn(page, gh, 'helper@example.com', 'helper password 1');
  await expect(page.getByTestId('me-email')).toHaveText('helper@example.com');
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByTestId('users-table')).toContainText('admin@example.com');
  await expect(page.getByRole('button', { name: 'Invite a new user' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Edit' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Host settings' })).toHaveCount(0);

  await page.goto(`${gh.baseUrl}/settings`);
  await expect(page.getByRole('alert')).toContainText('Your role does not allow this.');
});

test.describe('in Italian', () => {
  test.use({ locale: 'it-IT' });

  test('the UI speaks Italian when the browser asks for it, and can switch', async ({ page, gh }) => {
    await page.goto(`${gh.baseUrl}/signin`);
    await expect(page.getByRole('heading', { name: 'Accedi a Gatehouse' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Accedi' })).toBeVisible();

    await page.getByLabel('Lingua').selectOption('en');
    await expect(page.getByRole('heading', { name: 'Sign in to Gatehouse' })).toBeVisible();
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Sign in to Gatehouse' })).toBeVisible();
    await page.getByLabel('Language').selectOption('it');
    await expect(page.getByRole('button', { name: 'Accedi' })).toBeVisible();
  });
});

test('the dashboard runs under a strict Content-Security-Policy that stops injected scripts', async ({ page, gh }) => {
  const response = await page.goto(gh.baseUrl);
  const policy = response!.headers()['content-security-policy'];
  expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval' 'sha256-");
  expect(policy).not.toContain('unsafe-inline');
  // The loader is allowed by its hash: the dashboard starts.
  await expect(page.getByRole('heading', { name: 'Sign in to Gatehouse' })).toBeVisible();
  // An inline script added to the page (what an XSS would do) does not run.
  const ran = await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true';
    document.body.appendChild(s);
    return (window as unknown as { __injected?: boolean }).__injected === true;
  });
  expect(ran).toBe(false);
});
