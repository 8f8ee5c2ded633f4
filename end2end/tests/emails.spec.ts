import { test, expect } from '../support/fixtures';
import { setUpAdmin, smtpOn } from '../support/flows';

// The relay refuses the first message for good, and accepts after that.
test.use({ catcherArgs: ['--fail-data', '1:550 5.7.1 Message rejected by policy'] });

test('Email activity shows a failed email with its reason, and Retry sends it once the relay accepts', async ({ page, gh, catcher }) => {
  await setUpAdmin(page, gh);
  await smtpOn(page, gh, catcher.port);
  await page.getByRole('button', { name: 'Invite a new user' }).click();
  await page.getByLabel('Email').fill('bob@example.com');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByTestId('link-panel')).toContainText('Invitation email sent to bob@example.com.');

  await page.getByRole('link', { name: 'Host settings' }).click();
  await page.getByRole('link', { name: 'Email activity' }).click();
  const row = page.getByTestId('email-row').filter({ hasText: 'bob@example.com' });
  await expect(row.getByTestId('email-state')).toHaveText('Failed', { timeout: 20_000 });
  await expect(row.getByTestId('email-error')).toContainText('rejected by policy');
  await expect(row).toContainText('Invitation');

  await row.getByRole('button', { name: 'Retry' }).click();
  await expect(row.getByTestId('email-state')).toHaveText('Sent', { timeout: 20_000 });
  await expect.poll(() => catcher.messages().length).toBe(1);
  await expect(row.getByRole('button', { name: 'Retry' })).toHaveCount(0);
});

test.describe('finding an email', () => {
  test.use({ catcherArgs: [] });

  test('Email activity finds emails by a part of the recipient, any case, and by kind', async ({ page, gh, catcher }) => {
    await setUpAdmin(page, gh);
    await smtpOn(page, gh, catcher.port);
    for (const email of ['ann@acme.example', 'bob@other.example']) {
      const made = await page.request.post(`${gh.baseUrl}/api/v1/invitations`, { data: { email, role: 'host_user' }, headers: { origin: gh.baseUrl } });
      expect(made.status()).toBe(201);
    }
    await page.getByRole('link', { name: 'Host settings' }).click();
    await page.getByRole('link', { name: 'Email activity' }).click();
    const rows = page.getByTestId('email-row');
    await expect(rows).toHaveCount(2);

    await page.getByLabel('Recipient contains').fill('ACME');
    await page.getByLabel('Recipient contains').press('Enter');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('ann@acme.example');

    await page.getByLabel('Kind').selectOption({ label: 'Password reset' });
    await expect(page.getByText('No emails match these filters.')).toBeVisible();
    await page.getByLabel('Kind').selectOption({ label: 'Invitation' });
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('ann@acme.example');
  });
});
