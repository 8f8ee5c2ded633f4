import { test, expect } from '../support/fixtures';
import { setUpAdmin, signIn } from '../support/flows';

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
