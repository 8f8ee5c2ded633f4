import { test, expect } from '../support/fixtures';
import { ADMIN, signIn } from '../support/flows';
import { Gatehouse } from '../support/server';

// The first host admin and the relay from the server's settings (GATEHOUSE_ADMIN_*,
// GATEHOUSE_SMTP_*): the page shows the relay read-only, without Save or the switch,
// and its test send still reaches the relay.
test('a relay set by the server\'s configuration is read-only, and its test email arrives', async ({ page, catcher }) => {
  const gh = await Gatehouse.start({
    GATEHOUSE_ADMIN_EMAIL: ADMIN.email,
    GATEHOUSE_ADMIN_PASSWORD: ADMIN.password,
    GATEHOUSE_SMTP_HOST: '127.0.0.1',
    GATEHOUSE_SMTP_PORT: String(catcher.port),
    GATEHOUSE_SMTP_SECURITY: 'none',
    GATEHOUSE_SMTP_FROM_NAME: 'Acme Gateway',
    GATEHOUSE_SMTP_FROM_EMAIL: 'noreply@acme.example',
  });
  try {
    expect(gh.setupLink).toBeUndefined();
    await signIn(page, gh, ADMIN.email, ADMIN.password);
    await expect(page.getByTestId('me-email')).toHaveText(ADMIN.email);
    await page.goto(`${gh.baseUrl}/settings/smtp`);
    await expect(page.getByTestId('smtp-managed')).toContainText("Set by the server's configuration (GATEHOUSE_SMTP_…)");

    // Every field shows its value and none can be changed; no Save, no switch.
    await expect(page.getByLabel('Host', { exact: true })).toHaveValue('127.0.0.1');
    await expect(page.getByLabel('Port')).toHaveValue(String(catcher.port));
    await expect(page.getByLabel('From display name')).toHaveValue('Acme Gateway');
    for (const field of [page.getByLabel('Host', { exact: true }), page.getByLabel('Port'), page.getByLabel('From display name'), page.getByLabel('From email')]) {
      await expect(field).not.toBeEditable();
    }
    for (const name of ['Enable SSL', 'Enable StartTLS', 'Enable authentication']) {
      await expect(page.getByRole('checkbox', { name })).toBeDisabled();
    }
    await expect(page.getByRole('button', { name: 'Save' })).toHaveCount(0);
    await expect(page.getByTestId('smtp-enabled')).toHaveCount(0);

    await page.getByRole('button', { name: 'Send test email' }).click();
    await expect(page.getByTestId('smtp-test-verdict')).toContainText(`Test email sent to ${ADMIN.email}`);
    await expect.poll(() => catcher.messages().length).toBe(1);
    const rows = page.getByTestId('smtp-history').locator('tbody tr');
    await expect(rows.last()).toContainText("Set from the server's configuration");
    await expect(rows.last()).toContainText('provisioning');

    // In Italian too.
    await page.getByRole('link', { name: 'Profile' }).click();
    await page.locator('#profile-language').selectOption('it');
    await expect(page.getByRole('heading', { name: 'Il tuo profilo' })).toBeVisible();
    await page.goto(`${gh.baseUrl}/settings/smtp`);
    await expect(page.getByTestId('smtp-managed')).toContainText('Impostato dalla configurazione del server (GATEHOUSE_SMTP_…)');
  } finally {
    await gh.stop();
  }
});
