import { expect, Page } from '@playwright/test';
import { Gatehouse } from './server';

/** Steps several tests share. */
export const ADMIN = { email: 'admin@example.com', password: 'a long admin password' };

export async function setUpAdmin(page: Page, gh: Gatehouse) {
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

export async function signIn(page: Page, gh: Gatehouse, email: string, password: string) {
  await page.goto(`${gh.baseUrl}/signin`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
