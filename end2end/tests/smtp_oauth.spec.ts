import { microsoftTest as test, expect } from '../support/fixtures';
import { setUpAdmin, ADMIN, saveGraphApp } from '../support/flows';
import { MAILBOX, TENANT, CLIENT_ID, CLIENT_SECRET } from '../support/oauth';

test('Microsoft 365: pick it, fill the app, save, and the test email goes out over XOAUTH2', async ({ page, oauthGh, peers }) => {
  await setUpAdmin(page, oauthGh);
  await page.getByRole('link', { name: 'Host settings' }).click();
  await page.getByRole('link', { name: 'SMTP configuration' }).click();

  // Picking the provider fills in its relay and shows what to set up there.
  await page.getByLabel('Sign in with').selectOption({ label: 'Microsoft 365 (OAuth2)' });
  await expect(page.getByLabel('Host', { exact: true })).toHaveValue('smtp.office365.com');
  await expect(page.getByLabel('Port')).toHaveValue('587');
  await expect(page.getByRole('checkbox', { name: 'Enable StartTLS' })).toBeChecked();
  await expect(page.getByTestId('oauth-guide')).toContainText('SMTP.SendAsApp');

  // Here the relay is the local stand-in.
  await page.getByLabel('Host', { exact: true }).fill('127.0.0.1');
  await page.getByLabel('Port').fill(String(peers.relayPort));
  await page.getByLabel('From display name').fill('Contoso');
  await page.getByLabel('From email').fill(MAILBOX);
  await page.getByLabel('Mailbox to send as').fill(MAILBOX);
  await page.getByLabel('Directory (tenant) ID').fill('con toso');
  await expect(page.getByText('letters, digits, dots and dashes')).toBeVisible();
  await page.getByLabel('Directory (tenant) ID').fill(TENANT);
  await page.getByLabel('Application (client) ID').fill(CLIENT_ID);
  await page.getByLabel('Client secret').fill(CLIENT_SECRET);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('smtp-saved')).toBeVisible();

  // The secret is write-only: after a reload the field is empty and says one is kept.
  await page.reload();
  await expect(page.getByLabel('Sign in with')).toHaveValue('microsoft365');
  await expect(page.getByLabel('Client secret')).toHaveValue('');
  await expect(page.getByLabel('Client secret')).toHaveAttribute('placeholder', 'A secret is saved. Leave blank to keep it.');

  await page.getByRole('button', { name: 'Send test email' }).click();
  await expect(page.getByTestId('smtp-test-verdict')).toContainText(`Test email sent to ${ADMIN.email}`);
  expect(peers.tokenEvents.some((l) => l.startsWith('EVENT TOKEN microsoft ok'))).toBe(true);
  expect(peers.relayEvents.some((l) => l.startsWith('EVENT AUTH ok XOAUTH2'))).toBe(true);
});

test('Microsoft 365: a wrong secret is named at the token stage, with Microsoft\'s own words', async ({ page, oauthGh, peers }) => {
  await setUpAdmin(page, oauthGh);
  await page.getByRole('link', { name: 'Host settings' }).click();
  await page.getByRole('link', { name: 'SMTP configuration' }).click();
  await page.getByLabel('Sign in with').selectOption({ label: 'Microsoft 365 (OAuth2)' });
  await page.getByLabel('Host', { exact: true }).fill('127.0.0.1');
  await page.getByLabel('Port').fill(String(peers.relayPort));
  await page.getByLabel('From email').fill(MAILBOX);
  await page.getByLabel('Mailbox to send as').fill(MAILBOX);
  await page.getByLabel('Directory (tenant) ID').fill(TENANT);
  await page.getByLabel('Application (client) ID').fill(CLIENT_ID);
  await page.getByLabel('Client secret').fill('the secret ID, not its value');
  await page.getByRole('button', { name: 'Send test email' }).click();
  const verdict = page.getByTestId('smtp-test-verdict');
  await expect(verdict).toContainText('No token from the identity provider');
  await expect(verdict).toContainText('AADSTS7000215');
  await expect(verdict).toContainText('admin consent for SMTP.SendAsApp');
});

test('Microsoft 365 through Graph: no relay fields, save, and the test email goes out through sendMail', async ({ page, oauthGh, peers }) => {
  await setUpAdmin(page, oauthGh);
  await page.getByRole('link', { name: 'Host settings' }).click();
  await page.getByRole('link', { name: 'SMTP configuration' }).click();
  await page.getByLabel('Sign in with').selectOption({ label: 'Microsoft 365 (OAuth2)' });
  await page.getByLabel('Sends through').selectOption('graph');

  // Graph names no relay: host, port, encryption and the mailbox field go; the guide is Graph's.
  await expect(page.getByLabel('Host', { exact: true })).toHaveCount(0);
  await expect(page.getByLabel('Port')).toHaveCount(0);
  await expect(page.getByRole('checkbox', { name: 'Enable StartTLS' })).toHaveCount(0);
  await expect(page.getByLabel('Mailbox to send as')).toHaveCount(0);
  await expect(page.getByTestId('oauth-guide')).toContainText('Mail.Send');
  await expect(page.getByTestId('oauth-guide')).toContainText('application access policy');

  await saveGraphApp(page);

  await page.reload();
  await expect(page.getByLabel('Sends through')).toHaveValue('graph');
  await expect(page.getByLabel('Host', { exact: true })).toHaveCount(0);
  await page.getByRole('button', { name: 'Send test email' }).click();
  const verdict = page.getByTestId('smtp-test-verdict');
  await expect(verdict).toContainText(`Test email sent to ${ADMIN.email}`);
  await expect(verdict).toContainText('202 Accepted');
  expect(peers.tokenEvents.some((l) => l.startsWith('EVENT TOKEN graph ok'))).toBe(true);
  expect(peers.graphEvents.some((l) => l === `EVENT SEND ${MAILBOX} 202 ${ADMIN.email}`)).toBe(true);

  // A mailbox the app may not send as: named at the send stage, with Graph's code and what to do.
  await page.getByLabel('From email').fill('denied@contoso.example');
  await page.getByRole('button', { name: 'Send test email' }).click();
  await expect(verdict).toContainText('Microsoft Graph refused the email');
  await expect(verdict).toContainText('403 ErrorAccessDenied');
  await expect(verdict).toContainText('application permission Mail.Send with admin consent');
});
