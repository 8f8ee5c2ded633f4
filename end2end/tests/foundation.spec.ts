import { test, expect, Page } from '@playwright/test';
import { Gatehouse } from '../support/server';

const ADMIN = { email: 'admin@example.com', password: 'a long admin password' };

let gh: Gatehouse;
test.beforeEach(async () => {
  gh = await Gatehouse.start();
});
test.afterEach(async () => {
  await gh?.stop();
});

async function setUpAdmin(page: Page) {
  await page.goto(gh.setupLink!);
  await expect(page.getByRole('heading', { name: 'Set up Gatehouse' })).toBeVisible();
  await page.getByLabel('Email').fill('not an email');
  await expect(page.getByText('This is not a valid email address')).toBeVisible();
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password', { exact: true }).fill('short');
  await expect(page.getByText('Use at least 10 characters')).toBeVisible();
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByLabel('Confirm password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Create host admin' }).click();
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByTestId('me-email')).toHaveText(ADMIN.email);
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto(`${gh.baseUrl}/signin`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('setup, sign in, dashboard, sign out', async ({ page }) => {
  await setUpAdmin(page);
  await expect(page.getByTestId('users-table')).toContainText(ADMIN.email);
  await expect(page.getByRole('link', { name: 'Host settings' })).toBeVisible();

  await page.getByRole('link', { name: 'Host settings' }).click();
  await expect(page.getByText(gh.baseUrl, { exact: true })).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin$/);

  // A used setup link says so instead of showing the form.
  await page.goto(gh.setupLink!);
  await expect(page.getByText('This setup link has already been used or has expired')).toBeVisible();

  await signIn(page, ADMIN.email, 'wrong password!!');
  await expect(page.getByRole('alert')).toContainText('Wrong email or password.');
  await signIn(page, ADMIN.email, ADMIN.password);
  await expect(page).toHaveURL(/\/users$/);
  await expect(page.getByTestId('me-email')).toHaveText(ADMIN.email);

  // Without a session the dashboard sends you to sign in.
  await page.context().clearCookies();
  await page.goto(`${gh.baseUrl}/accounts`);
  await expect(page).toHaveURL(/\/signin$/);
});

test('a host user does not see Host settings, and the server refuses it too', async ({ page }) => {
  await setUpAdmin(page);
  gh.cli(['user', 'create', '--email', 'helper@example.com', '--role', 'host_user'], 'helper password 1\n');
  await page.context().clearCookies();

  await signIn(page, 'helper@example.com', 'helper password 1');
  await expect(page.getByTestId('me-email')).toHaveText('helper@example.com');
  await expect(page.getByRole('link', { name: 'Users' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Host settings' })).toHaveCount(0);

  await page.goto(`${gh.baseUrl}/settings`);
  await expect(page.getByRole('alert')).toContainText('Your role does not allow this.');
});

test.describe('in Italian', () => {
  test.use({ locale: 'it-IT' });

  test('the UI speaks Italian when the browser asks for it, and can switch', async ({ page }) => {
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
