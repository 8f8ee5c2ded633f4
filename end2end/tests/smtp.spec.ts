import { test, expect } from '../support/fixtures';
import { ADMIN, setUpAdmin, signIn } from '../support/flows';

test('configure SMTP, save, enable, send a test email that arrives, disable', async ({ page, gh, catcher }) => {
  await setUpAdmin(page, gh);
  await page.getByRole('link', { name: 'Host settings' }).click();
  await page.getByRole('link', { name: 'SMTP configuration' }).click();
  await expect(page.getByRole('heading', { name: 'SMTP configuration' })).toBeVisible();

  // Nothing saved yet: the switch explains why it cannot be turned on.
  await expect(page.getByTestId('smtp-enabled')).not.toBeChecked();
  await expect(page.getByText('You must click Save before enabling the configuration.')).toBeVisible();

  // Field errors appear as you type.
  await page.getByLabel('Host', { exact: true }).fill('smtp://mail.example.com');
  await expect(page.getByText('without smtp://', { exact: false })).toBeVisible();
  await page.getByLabel('Host', { exact: true }).fill('127.0.0.1');
  await page.getByLabel('Port').fill('70000');
  await expect(page.getByText('Use a port from 1 to 65535', { exact: false })).toBeVisible();
  await page.getByLabel('Port').fill(String(catcher.port));
  await page.getByLabel('From display name').fill('Acme Gateway');
  await page.getByLabel('From email').fill('noreply@acme.example');
  await page.getByRole('checkbox', { name: 'Enable StartTLS' }).uncheck();
  await page.getByRole('checkbox', { name: 'Enable SSL' }).uncheck();
  await page.getByRole('checkbox', { name: 'Enable authentication' }).uncheck();

  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('smtp-saved')).toBeVisible();
  await expect(page.getByTestId('smtp-last-changed')).toContainText(ADMIN.email);

  await page.getByTestId('smtp-enabled').check();
  await expect(page.getByTestId('smtp-enabled')).toBeChecked();
  await expect(page.getByText('To disable SMTP, switch it off.')).toBeVisible();

  await expect(page.getByText(`Test emails go to the address you signed in with: ${ADMIN.email}`)).toBeVisible();
  await page.getByRole('button', { name: 'Send test email' }).click();
  await expect(page.getByTestId('smtp-test-verdict')).toContainText(`Test email sent to ${ADMIN.email}`);
  await expect.poll(() => catcher.messages().length).toBe(1);
  const mail = catcher.messages()[0];
  expect(mail).toContain(`X-Envelope-To: ${ADMIN.email}`);
  expect(mail).toContain('Subject: Gatehouse test email');

  // The switch reflects the server: after a reload it is still on; then off.
  await page.reload();
  await expect(page.getByTestId('smtp-enabled')).toBeChecked();
  await page.getByTestId('smtp-enabled').uncheck();
  await expect(page.getByTestId('smtp-enabled')).not.toBeChecked();
  await page.reload();
  await expect(page.getByTestId('smtp-enabled')).not.toBeChecked();
  await expect(page.getByLabel('Host', { exact: true })).toHaveValue('127.0.0.1');

  // History: every step, newest first, with who did it.
  const rows = page.getByTestId('smtp-history').locator('tbody tr');
  await expect(rows).toHaveCount(4);
  await expect(rows.nth(0)).toContainText('Switched SMTP off');
  await expect(rows.nth(1)).toContainText('Test email: sent');
  await expect(rows.nth(2)).toContainText('Switched SMTP on');
  await expect(rows.nth(3)).toContainText('Created the configuration');
  await expect(rows.nth(3)).toContainText(ADMIN.email);
});

test('a failed test names the stage and gives a hint', async ({ page, gh, catcher }) => {
  await setUpAdmin(page, gh);
  await page.goto(`${gh.baseUrl}/settings/smtp`);
  await page.getByLabel('Host', { exact: true }).fill('127.0.0.1');
  await page.getByLabel('Port').fill(String(catcher.port));
  await page.getByLabel('From email').fill('noreply@acme.example');
  // StartTLS is required, and this relay does not offer it.
  await page.getByRole('checkbox', { name: 'Enable StartTLS' }).check();
  await page.getByRole('checkbox', { name: 'Enable authentication' }).uncheck();
  await page.getByRole('button', { name: 'Send test email' }).click();
  const verdict = page.getByTestId('smtp-test-verdict');
  await expect(verdict).toContainText('TLS failed');
  await expect(verdict).toContainText('STARTTLS');
  expect(catcher.messages()).toHaveLength(0);
});

test('a host user cannot open SMTP configuration', async ({ page, gh }) => {
  await setUpAdmin(page, gh);
  gh.cli(['user', 'create', '--email', 'helper@example.com', '--role', 'host_user'], 'helper password 1\n');
  await page.context().clearCookies();
  await signIn(page, gh, 'helper@example.com', 'helper password 1');
  await expect(page.getByTestId('me-email')).toHaveText('helper@example.com');
  await page.goto(`${gh.baseUrl}/settings/smtp`);
  await expect(page.getByRole('alert')).toContainText('Your role does not allow this.');
  await expect(page.getByLabel('Host', { exact: true })).toHaveCount(0);
});
