import { expect, Page } from '@playwright/test';
import { Gatehouse } from './server';
import { MAILBOX, TENANT, CLIENT_ID, CLIENT_SECRET } from './oauth';

/** Steps several tests share. */
export const ADMIN = { email: 'admin@example.com', password: 'a long admin password' };

export async function setUpAdmin(page: Page, gh: Gatehouse) {
  await page.goto(gh.setupLink!);
  await expect(page.getByRole('heading', { name: 'Set up Gatehouse' })).toBeVisible();
  // Read once, the secret leaves the address bar (and the history); the form keeps it.
  await expect(page).toHaveURL(`${gh.baseUrl}/setup`);
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

/** Points SMTP at a local catcher (plain, no auth) and switches it on, through the dashboard's REST API. */
export async function smtpOn(page: Page, gh: Gatehouse, port: number) {
  const draft = { host: '127.0.0.1', port, from_name: 'Acme', from_email: 'noreply@acme.example', security: 'none', auth: false };
  const saved = await page.request.put(`${gh.baseUrl}/api/v1/smtp`, { data: draft, headers: { origin: gh.baseUrl } });
  expect(saved.status()).toBe(200);
  const on = await page.request.post(`${gh.baseUrl}/api/v1/smtp/enable`, { headers: { origin: gh.baseUrl } });
  expect(on.status()).toBe(200);
}

/** The first `{base}/{kind}/<token>` link in a raw email. */
export function linkIn(mail: string, base: string, kind: 'invite' | 'reset'): string {
  const match = mail.match(new RegExp(`${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/${kind}/[A-Za-z0-9_-]{43}`));
  if (!match) throw new Error(`no ${kind} link in:\n${mail}`);
  return match[0];
}

/** With "Microsoft 365 (OAuth2)" and "Sends through: Microsoft Graph" chosen on
 * an SMTP form: the stand-in tenant's app and mailbox, saved. */
export async function saveGraphApp(page: Page) {
  await page.getByLabel('From display name').fill('Contoso');
  await page.getByLabel('From email').fill(MAILBOX);
  await page.getByLabel('Directory (tenant) ID').fill(TENANT);
  await page.getByLabel('Application (client) ID').fill(CLIENT_ID);
  await page.getByLabel('Client secret').fill(CLIENT_SECRET);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('smtp-saved')).toBeVisible();
}
