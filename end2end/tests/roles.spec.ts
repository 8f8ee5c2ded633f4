import { test, expect } from '../support/fixtures';
import { linkIn, setUpAdmin, signIn, smtpOn } from '../support/flows';

test('an account admin runs their own account: sees its users, invites with the link shown, disables a user who is then refused', async ({ page, gh }) => {
  await setUpAdmin(page, gh);
  // Two accounts, made in the console; their users from the CLI.
  await page.getByRole('link', { name: 'Accounts' }).click();
  for (const name of ['Acme Srl', 'Beta Spa']) {
    await page.getByLabel('Account name').fill(name);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByTestId('accounts-table')).toContainText(name);
  }
  gh.cli(['user', 'create', '--email', 'alice@acme.example', '--role', 'account_admin', '--account-id', '1'], 'alice password 1\n');
  gh.cli(['user', 'create', '--email', 'anna@acme.example', '--role', 'account_user', '--account-id', '1'], 'anna password 1\n');
  gh.cli(['user', 'create', '--email', 'bob@beta.example', '--role', 'account_user', '--account-id', '2'], 'bob password 11\n');
  await page.context().clearCookies();

  await signIn(page, gh, 'alice@acme.example', 'alice password 1');
  await expect(page).toHaveURL(/\/users$/);
  const table = page.getByTestId('users-table');
  await expect(table).toContainText('anna@acme.example');
  await expect(table).not.toContainText('bob@beta.example');
  await expect(page.getByRole('link', { name: 'Accounts' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Host settings' })).toHaveCount(0);

  // Invite into her account: only account roles are offered; SMTP is off, so the link is shown.
  await page.getByRole('button', { name: 'Invite a new user' }).click();
  const roles = page.getByLabel('User type').locator('option');
  await expect(roles).toHaveText(['Account admin', 'Account user']);
  await page.getByLabel('Email').fill('newbie@acme.example');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByTestId('invitation-link')).toHaveValue(new RegExp(`^${gh.baseUrl}/invite/`));
  await expect(table).toContainText('newbie@acme.example');

  // Disable anna; she is then refused at sign-in.
  await table.getByRole('row', { name: /anna@acme\.example/ }).getByRole('button', { name: 'Edit' }).click();
  await page.getByTestId('edit-user').getByRole('button', { name: 'Disable' }).click();
  await expect(table.getByRole('row', { name: /anna@acme\.example/ }).getByTestId('status')).toHaveText('Disabled');
  await page.context().clearCookies();
  await signIn(page, gh, 'anna@acme.example', 'anna password 1');
  await expect(page.getByRole('alert')).toContainText('This user is disabled');
});

test('everyone changes their own password and language on Profile; the language follows them to another browser', async ({ page, gh, browser }) => {
  await setUpAdmin(page, gh);
  gh.cli(['user', 'create', '--email', 'viewer@example.com', '--role', 'host_user'], 'viewer password 1\n');
  await page.context().clearCookies();
  await signIn(page, gh, 'viewer@example.com', 'viewer password 1');
  await page.getByRole('link', { name: 'Profile' }).click();

  await page.getByLabel('Current password').fill('not my password');
  await page.getByLabel('New password').fill('viewer password 2');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('this is not your current password')).toBeVisible();
  await page.getByLabel('Current password').fill('viewer password 1');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByTestId('password-changed')).toBeVisible();

  await page.locator('#profile-language').selectOption('it');
  await expect(page.getByRole('heading', { name: 'Il tuo profilo' })).toBeVisible();

  // Another browser: the new password, and the dashboard opens in Italian.
  const other = await browser.newContext({ locale: 'en-US' });
  const page2 = await other.newPage();
  await signIn(page2, gh, 'viewer@example.com', 'viewer password 2');
  await expect(page2.getByRole('link', { name: 'Profilo' })).toBeVisible();
  await other.close();
});

test('an account admin invites into their account with SMTP on: the email goes out, and the link is shown too', async ({ page, gh, catcher }) => {
  await setUpAdmin(page, gh);
  await page.getByRole('link', { name: 'Accounts' }).click();
  await page.getByLabel('Account name').fill('Acme Srl');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('accounts-table')).toContainText('Acme Srl');
  await smtpOn(page, gh, catcher.port);
  gh.cli(['user', 'create', '--email', 'alice@acme.example', '--role', 'account_admin', '--account-id', '1'], 'alice password 1\n');
  await page.context().clearCookies();

  await signIn(page, gh, 'alice@acme.example', 'alice password 1');
  await page.getByRole('button', { name: 'Invite a new user' }).click();
  await page.getByLabel('Email').fill('newbie@acme.example');
  await page.getByLabel('User type').selectOption('account_admin');
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByTestId('link-panel')).toContainText('Invitation email sent to newbie@acme.example.');
  const shown = await page.getByTestId('invitation-link').inputValue();
  await expect.poll(() => catcher.messages().length, { timeout: 15_000 }).toBe(1);
  expect(linkIn(catcher.messages()[0], gh.baseUrl, 'invite')).toBe(shown);
  await expect(page.getByTestId('users-table')).toContainText('newbie@acme.example');
});
