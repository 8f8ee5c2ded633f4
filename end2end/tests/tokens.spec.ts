import { test, expect } from '../support/fixtures';
import { setUpAdmin } from '../support/flows';

test('create an API token, see it once, use it, revoke it', async ({ page, gh, request }) => {
  await setUpAdmin(page, gh);
  await page.getByRole('link', { name: 'Host settings' }).click();
  await page.getByRole('link', { name: 'API tokens' }).click();
  await expect(page.getByText('No API tokens yet.')).toBeVisible();

  // A bad lifetime is named before anything is sent; a year at most.
  const days = page.getByLabel('Expires after (days, 1 to 365; 90 if blank)');
  await page.getByLabel('What it is for').fill('gateway backend');
  await days.fill('0');
  await expect(page.getByText('A whole number of days from 1 to 365, or leave it blank for 90')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Create token' })).toBeDisabled();
  await days.fill('366');
  await expect(page.getByRole('button', { name: 'Create token' })).toBeDisabled();
  // "Never" is said outright, and then the lifetime does not matter.
  await page.getByLabel('Never expires (until revoked)').check();
  await expect(page.getByRole('button', { name: 'Create token' })).toBeEnabled();
  await page.getByLabel('Never expires (until revoked)').uncheck();
  await days.fill('30');
  await page.getByRole('button', { name: 'Create token' }).click();

  // Shown once, to copy; it works as a bearer token.
  const panel = page.getByTestId('token-panel');
  await expect(panel).toContainText('shown only this once');
  const token = await page.getByTestId('new-token').inputValue();
  expect(token).toMatch(/^ght_/);
  const me = await request.get(`${gh.baseUrl}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);

  const table = page.getByTestId('tokens-table');
  await expect(table).toContainText('gateway backend');
  await expect(table).toContainText('admin@example.com');
  await expect(table).not.toContainText(token);
  await panel.getByRole('button', { name: 'Close' }).click();
  await expect(panel).toBeHidden();

  // Revoking asks first, then the token stops working at once.
  await table.getByRole('button', { name: 'Revoke' }).click();
  await expect(table).toContainText('Revoke “gateway backend”?');
  await table.getByRole('button', { name: 'Yes, revoke' }).click();
  await expect(page.getByText('No API tokens yet.')).toBeVisible();
  const after = await request.get(`${gh.baseUrl}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
  expect(after.status()).toBe(401);
});
