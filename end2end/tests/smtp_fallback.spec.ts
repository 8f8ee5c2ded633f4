import { Page } from '@playwright/test';
import { test as plainTest, microsoftTest, expect } from '../support/fixtures';
import { SmtpCatcher } from '../support/relay';
import { ADMIN, saveGraphApp, setUpAdmin, signIn } from '../support/flows';
import { Gatehouse } from '../support/server';
import { MAILBOX } from '../support/oauth';

// The fallback relay (issue 24): its own tab on the SMTP page, one form at a
// time, no switch but a state line, its own test email, and a Remove button.

// The primary through Microsoft Graph (its stand-in), and a plain relay (the catcher) as the fallback.
const test = microsoftTest.extend<{ catcher: SmtpCatcher }>({
  catcher: async ({}, use) => {
    const catcher = await SmtpCatcher.start();
    await use(catcher);
    await catcher.stop();
  },
});

/** Fills the fallback's form for the catcher: plain SMTP, no sign-in. */
async function fillPlainRelay(page: Page, port: number) {
  await page.getByLabel('Host', { exact: true }).fill('127.0.0.1');
  await page.getByLabel('Port').fill(String(port));
  await page.getByLabel('From display name').fill('Acme fallback');
  await page.getByLabel('From email').fill('fallback@acme.example');
  await page.getByRole('checkbox', { name: 'Enable StartTLS' }).uncheck();
  await page.getByRole('checkbox', { name: 'Enable SSL' }).uncheck();
  await page.getByRole('checkbox', { name: 'Enable authentication' }).uncheck();
}

test('configure Graph and a fallback in the console and send both test emails', async ({ page, oauthGh, peers, catcher }) => {
  await setUpAdmin(page, oauthGh);
  await page.getByRole('link', { name: 'Host settings' }).click();
  await page.getByRole('link', { name: 'SMTP configuration' }).click();
  const tabs = page.getByTestId('relay-tabs');
  await expect(tabs.getByRole('link', { name: 'Primary relay' })).toHaveAttribute('aria-current', 'page');

  // The primary: Microsoft 365 through Graph, saved and switched on.
  await page.getByLabel('Sign in with').selectOption({ label: 'Microsoft 365 (OAuth2)' });
  await page.getByLabel('Sends through').selectOption('graph');
  await saveGraphApp(page);
  await page.getByTestId('smtp-enabled').check();
  await expect(page.getByTestId('smtp-enabled')).toBeChecked();

  // The fallback's tab: its own address and form, none saved yet, no switch and nothing to remove.
  await tabs.getByRole('link', { name: 'Fallback relay' }).click();
  await expect(page).toHaveURL(`${oauthGh.baseUrl}/settings/smtp/fallback`);
  await expect(tabs.getByRole('link', { name: 'Fallback relay' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('fallback-state')).toHaveText('No fallback relay');
  await expect(page.getByTestId('smtp-enabled')).toHaveCount(0);
  await expect(page.getByTestId('fallback-remove')).toHaveCount(0);
  // A fresh form: not the primary's values.
  await expect(page.getByLabel('From email')).not.toHaveValue(MAILBOX);

  await fillPlainRelay(page, catcher.port);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('smtp-saved')).toBeVisible();
  await expect(page.getByTestId('fallback-state')).toHaveText('In use: used when the primary relay fails, while SMTP is on.');
  await expect(page.getByTestId('smtp-last-changed')).toContainText(ADMIN.email);

  // Its test email goes through the fallback relay alone.
  await page.getByRole('button', { name: 'Send test email' }).click();
  const verdict = page.getByTestId('smtp-test-verdict');
  await expect(verdict).toContainText(`Test email sent to ${ADMIN.email}`);
  await expect.poll(() => catcher.messages().length).toBe(1);
  const mail = catcher.messages()[0];
  expect(mail).toContain(`X-Envelope-To: ${ADMIN.email}`);
  expect(mail).toContain('X-Envelope-From: fallback@acme.example');
  expect(peers.graphEvents.filter((l) => l.startsWith('EVENT SEND'))).toEqual([]);

  // After a reload the tab still shows the saved fallback.
  await page.reload();
  await expect(page.getByLabel('Host', { exact: true })).toHaveValue('127.0.0.1');
  await expect(page.getByTestId('fallback-state')).toContainText('In use');

  // The primary's test goes through Graph, and nothing more reaches the fallback.
  await tabs.getByRole('link', { name: 'Primary relay' }).click();
  await expect(page).toHaveURL(`${oauthGh.baseUrl}/settings/smtp`);
  await expect(page.getByLabel('Sends through')).toHaveValue('graph');
  await page.getByRole('button', { name: 'Send test email' }).click();
  await expect(verdict).toContainText(`Test email sent to ${ADMIN.email}`);
  await expect(verdict).toContainText('202 Accepted');
  expect(peers.graphEvents.filter((l) => l.startsWith('EVENT SEND'))).toEqual([`EVENT SEND ${MAILBOX} 202 ${ADMIN.email}`]);
  expect(catcher.messages()).toHaveLength(1);

  // History holds both relays' entries, the fallback's said to be its.
  const history = page.getByTestId('smtp-history').locator('tbody tr');
  await expect(history.filter({ hasText: 'Fallback relay: Test email: sent' })).toHaveCount(1);
  await expect(history.filter({ hasText: 'Fallback relay: Created the configuration' })).toHaveCount(1);
  await expect(history.first()).toHaveText(/Test email: sent/);
  await expect(history.first()).not.toContainText('Fallback relay');

  // Remove it: asked first, then gone, for good.
  await tabs.getByRole('link', { name: 'Fallback relay' }).click();
  await page.getByRole('button', { name: 'Remove fallback relay' }).click();
  const ask = page.getByRole('alertdialog', { name: /^Remove the fallback relay and its secret\?/ });
  await expect(ask).toBeVisible();
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await expect(ask).toHaveCount(0);
  await expect(page.getByTestId('fallback-state')).toContainText('In use');
  await page.getByRole('button', { name: 'Remove fallback relay' }).click();
  await ask.getByRole('button', { name: 'Yes, remove' }).click();
  await expect(page.getByTestId('fallback-state')).toHaveText('No fallback relay');
  await expect(page.getByTestId('fallback-remove')).toHaveCount(0);
  await expect(history.first()).toHaveText(/Fallback relay: Removed/);
  await page.reload();
  await expect(page.getByTestId('fallback-state')).toHaveText('No fallback relay');

  // The primary is untouched, and on.
  await tabs.getByRole('link', { name: 'Primary relay' }).click();
  await expect(page.getByTestId('smtp-enabled')).toBeChecked();
  await expect(page.getByLabel('From email')).toHaveValue(MAILBOX);
});

plainTest('the fallback tab in Italian, reached by keyboard; SMTP off leaves it saved but not in use', async ({ page, gh, catcher }) => {
  await setUpAdmin(page, gh);
  await page.goto(`${gh.baseUrl}/settings/smtp`);
  await expect(page.getByRole('heading', { name: 'SMTP configuration' })).toBeVisible();

  // Tab from the primary's tab reaches the fallback's; Enter opens it.
  const tabs = page.getByTestId('relay-tabs');
  await tabs.getByRole('link', { name: 'Primary relay' }).focus();
  await page.keyboard.press('Tab');
  await expect(tabs.getByRole('link', { name: 'Fallback relay' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(`${gh.baseUrl}/settings/smtp/fallback`);
  await expect(page.getByTestId('fallback-state')).toHaveText('No fallback relay');

  // Saved while SMTP is off: kept, but said not to be in use.
  await fillPlainRelay(page, catcher.port);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('smtp-saved')).toBeVisible();
  await expect(page.getByTestId('fallback-state')).toHaveText('Not in use: SMTP is switched off (see Primary relay).');

  await page.getByLabel('Language').selectOption('it');
  await expect(tabs.getByRole('link', { name: 'Relay di riserva' })).toHaveAttribute('aria-current', 'page');
  await expect(tabs.getByRole('link', { name: 'Relay principale' })).toBeVisible();
  await expect(page.getByTestId('fallback-state')).toHaveText("Non in uso: l'SMTP è disattivato (vedi Relay principale).");
  await expect(page.getByRole('button', { name: 'Rimuovi il relay di riserva' })).toBeVisible();
  await expect(page.getByTestId('smtp-history').locator('tbody tr').first()).toContainText('Relay di riserva: Ha creato la configurazione');
  await page.getByLabel('Lingua').selectOption('en');
});

plainTest('an email the primary cannot deliver goes out through the fallback, and Email activity says so', async ({ page, gh, catcher }) => {
  await setUpAdmin(page, gh);
  // The primary points at a port where nothing listens (port 1: refused at once), a relay reason.
  const deadPort = 1;
  const origin = { origin: gh.baseUrl };
  const relay = (port: number, from: string) => ({ host: '127.0.0.1', port, from_name: 'Acme', from_email: from, security: 'none', auth: false });
  expect((await page.request.put(`${gh.baseUrl}/api/v1/smtp`, { data: relay(deadPort, 'noreply@acme.example'), headers: origin })).status()).toBe(200);
  expect((await page.request.post(`${gh.baseUrl}/api/v1/smtp/enable`, { headers: origin })).status()).toBe(200);
  expect((await page.request.put(`${gh.baseUrl}/api/v1/smtp/fallback`, { data: relay(catcher.port, 'fallback@acme.example'), headers: origin })).status()).toBe(200);

  await page.getByRole('button', { name: 'Invite a new user' }).click();
  await page.getByLabel('Email').fill('dee@example.com');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect.poll(() => catcher.messages().length, { timeout: 20_000 }).toBe(1);
  expect(catcher.messages()[0]).toContain('X-Envelope-To: dee@example.com');

  await page.goto(`${gh.baseUrl}/settings/emails`);
  const row = page.getByTestId('email-row').filter({ hasText: 'dee@example.com' });
  await expect(row.getByTestId('email-state')).toContainText('Sent');
  await expect(row.getByTestId('email-via-fallback')).toHaveText('via the fallback relay');
  await page.getByLabel('Language').selectOption('it');
  await expect(row.getByTestId('email-via-fallback')).toHaveText('tramite il relay di riserva');
  await page.getByLabel('Lingua').selectOption('en');
});

// GATEHOUSE_SMTP_FALLBACK_*: the tab shows it read-only, with nothing to remove, and its test still goes out.
plainTest('a fallback relay set by the server\'s configuration is read-only, and its test email arrives', async ({ page, catcher }) => {
  const gh = await Gatehouse.start({
    GATEHOUSE_ADMIN_EMAIL: ADMIN.email,
    GATEHOUSE_ADMIN_PASSWORD: ADMIN.password,
    GATEHOUSE_SMTP_FALLBACK_HOST: '127.0.0.1',
    GATEHOUSE_SMTP_FALLBACK_PORT: String(catcher.port),
    GATEHOUSE_SMTP_FALLBACK_SECURITY: 'none',
    GATEHOUSE_SMTP_FALLBACK_FROM_EMAIL: 'fallback@acme.example',
  });
  try {
    await signIn(page, gh, ADMIN.email, ADMIN.password);
    await expect(page.getByTestId('me-email')).toHaveText(ADMIN.email);
    await page.goto(`${gh.baseUrl}/settings/smtp/fallback`);
    await expect(page.getByTestId('smtp-managed')).toContainText("Set by the server's configuration (GATEHOUSE_SMTP_…)");
    await expect(page.getByLabel('Host', { exact: true })).toHaveValue('127.0.0.1');
    await expect(page.getByLabel('Host', { exact: true })).not.toBeEditable();
    await expect(page.getByRole('button', { name: 'Save' })).toHaveCount(0);
    await expect(page.getByTestId('fallback-remove')).toHaveCount(0);
    // Saved, but SMTP (the primary's switch) is off.
    await expect(page.getByTestId('fallback-state')).toHaveText('Not in use: SMTP is switched off (see Primary relay).');

    await page.getByRole('button', { name: 'Send test email' }).click();
    await expect(page.getByTestId('smtp-test-verdict')).toContainText(`Test email sent to ${ADMIN.email}`);
    await expect.poll(() => catcher.messages().length).toBe(1);
    expect(catcher.messages()[0]).toContain('X-Envelope-From: fallback@acme.example');
  } finally {
    await gh.stop();
  }
});
