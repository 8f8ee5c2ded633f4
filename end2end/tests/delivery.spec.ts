import { test, expect } from '../support/fixtures';
import { setUpAdmin, smtpOn } from '../support/flows';

// The relay refuses the first four messages for good, and accepts after that.
// A failure keeps delivery degraded for 1 s here (10 minutes by default), so
// that recovery shows at once; the banner itself asks every 10 s.
test.use({
  catcherArgs: ['--fail-data', '4:550 5.7.1 Message rejected by policy'],
  ghEnv: { GATEHOUSE_DELIVERY_RECENT_FAILURE_SECS: '1' },
});

test('While delivery fails a banner on every page says why, the invite dialog and Users offer the link, and the banner goes away by itself', async ({ page, gh, catcher }) => {
  await setUpAdmin(page, gh);
  await smtpOn(page, gh, catcher.port);
  const invite = async (email: string) => {
    const made = await page.request.post(`${gh.baseUrl}/api/v1/invitations`, { data: { email, role: 'host_user' }, headers: { origin: gh.baseUrl } });
    expect(made.status()).toBe(201);
  };
  // Three refusals in a row: failing.
  for (const email of ['ann@example.com', 'bob@example.com', 'cid@example.com']) await invite(email);

  const banner = page.getByTestId('delivery-banner');
  // The banner asks the server every 10 s.
  await expect(banner).toBeVisible({ timeout: 30_000 });
  await expect(banner).toHaveAttribute('role', 'alert');
  await expect(banner).toHaveAttribute('data-state', 'failing');
  await expect(banner).toContainText('Email is not getting out');
  await expect(banner).toContainText('rejected by policy');
  await expect(banner.getByRole('link', { name: 'Email activity' })).toBeVisible();
  await expect(banner.getByRole('link', { name: 'SMTP' })).toBeVisible();

  // Every page: Accounts too, and in Italian.
  await page.getByRole('link', { name: 'Accounts' }).click();
  await expect(banner).toContainText('Email is not getting out');
  await page.getByLabel('Language').selectOption('it');
  await expect(banner).toContainText('Le email non partono');
  await page.getByLabel('Lingua').selectOption('en');

  // The invite dialog: the email is queued, but the link is offered with a line saying why.
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByRole('button', { name: 'Invite a new user' }).click();
  await page.getByLabel('Email').fill('dee@example.com');
  await page.getByRole('button', { name: 'Continue' }).click();
  const panel = page.getByTestId('link-panel');
  await expect(panel.getByTestId('relay-refusing')).toContainText('the relay is refusing email now');
  await expect(panel.getByTestId('invitation-link')).toHaveValue(/\/invite\//);
  await panel.getByRole('button', { name: 'Close' }).click();

  // Users marks each invitation whose email did not go out, with the link to copy.
  const unsent = (email: string) => page.locator(`[data-testid="unsent-invitation"][data-email="${email}"]`);
  await expect(unsent('ann@example.com').getByTestId('unsent-reason')).toHaveText('Invitation email not sent: delivery failed.');
  await expect(unsent('ann@example.com').getByTestId('unsent-link')).toHaveValue(/\/invite\/[A-Za-z0-9_-]{43}$/);
  await page.getByLabel('Language').selectOption('it');
  await expect(unsent('ann@example.com').getByTestId('unsent-reason')).toHaveText('Email di invito non inviata: la consegna non è riuscita.');
  await page.getByLabel('Lingua').selectOption('en');

  // The relay accepts the fifth: delivery recovers, and the banner goes by itself.
  await invite('eve@example.com');
  await expect.poll(() => catcher.messages().length, { timeout: 20_000 }).toBe(1);
  await expect(banner).toHaveCount(0, { timeout: 30_000 });
  // Delivered: nothing to copy for eve; ann's invitation still never went out.
  await page.reload();
  await expect(page.getByRole('row').filter({ hasText: 'eve@example.com' })).toContainText('Sent');
  await expect(unsent('eve@example.com')).toHaveCount(0);
  await expect(unsent('ann@example.com').getByTestId('unsent-link')).toHaveValue(/\/invite\//);
});
