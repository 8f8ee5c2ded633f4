import { test, expect } from '../support/fixtures';
import { setUpAdmin, signIn, smtpOn } from '../support/flows';

// Issue 25, item 4: each account has a page: its name, its sender, its
// users and their states, its recent emails and theirs, and Delete account.
// Host admins reach any account's; an account's admins their own ("Your
// account"). English and Italian.

test("an account's page lists its users and emails, sets its sender, and its admin deletes it", async ({ page, browser, gh, catcher }) => {
  await setUpAdmin(page, gh);
  await smtpOn(page, gh, catcher.port);
  const headers = { origin: gh.baseUrl };
  const acme = await (await page.request.post(`${gh.baseUrl}/api/v1/accounts`, { data: { name: 'Acme' }, headers })).json();
  const invited = await page.request.post(`${gh.baseUrl}/api/v1/invitations`, {
    data: { email: 'bob@acme.example', role: 'account_user', account_id: acme.id },
    headers,
  });
  expect(invited.status()).toBe(201);
  gh.cli(['user', 'create', '--email', 'ann@acme.example', '--role', 'account_admin', '--account-id', String(acme.id)], 'ann long password\n');

  // A host admin opens it from Accounts.
  await page.getByRole('link', { name: 'Accounts', exact: true }).click();
  await page.getByTestId('accounts-table').getByRole('link', { name: 'Acme' }).click();
  await expect(page).toHaveURL(`${gh.baseUrl}/accounts/${acme.id}`);
  await expect(page.getByTestId('account-name')).toHaveText('Acme');
  const users = page.getByTestId('account-users');
  await expect(users.getByTestId('account-user').filter({ hasText: 'bob@acme.example' })).toContainText('Pending');
  await expect(users.getByTestId('account-user').filter({ hasText: 'ann@acme.example' })).toContainText('Active');
  await expect(page.getByTestId('account-emails').getByTestId('account-email')).toContainText(['bob@acme.example']);
  await expect(page.getByTestId('account-emails')).toContainText('Invitation');

  // Its sender: an address the server refuses (no dot in its domain) is named under the field; a good one is saved.
  await expect(page.getByTestId('sender-current')).toHaveText("No sender of its own: its emails say the host's From.");
  await page.getByLabel('From display name').fill('Acme Support');
  await page.getByLabel('From email').fill('hello@localhost');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.locator('#field-sender-email-error')).toContainText('not a valid domain');
  await page.getByLabel('From email').fill('hello@acme.example');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByTestId('sender-current')).toContainText('Acme Support <hello@acme.example>');
  const accounts = await (await page.request.get(`${gh.baseUrl}/api/v1/accounts`)).json();
  expect(accounts[0].sender).toEqual({ from_name: 'Acme Support', from_email: 'hello@acme.example' });

  // In Italian.
  await page.getByLabel('Language').selectOption('it');
  await expect(page.getByRole('heading', { name: 'I suoi utenti' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Email recenti' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Mittente' })).toBeVisible();
  await page.getByLabel('Lingua').selectOption('en');

  // The account's admin: "Your account", the sender read-only (the host does not allow more yet), Delete.
  const annPage = await (await browser.newContext({ locale: 'en-US' })).newPage();
  await signIn(annPage, gh, 'ann@acme.example', 'ann long password');
  await annPage.getByRole('link', { name: 'Your account' }).click();
  await expect(annPage.getByTestId('account-name')).toHaveText('Acme');
  await expect(annPage.getByTestId('sender-locked')).toBeVisible();
  await expect(annPage.getByTestId('account-users')).toContainText('bob@acme.example');

  // The host lets account admins set their own (Host settings → Account senders): the form appears for ann.
  await page.getByRole('link', { name: 'Host settings' }).click();
  const rules = page.getByTestId('sender-rules');
  await rules.getByLabel("Account admins may set their own account's sender").check();
  await rules.getByLabel('Allowed domains').fill('acme.example, other.example');
  await rules.getByRole('button', { name: 'Save' }).click();
  await expect
    .poll(async () => (await (await page.request.get(`${gh.baseUrl}/api/v1/host`)).json()).account_senders)
    .toEqual({ account_admins_may_set: true, domains: ['acme.example', 'other.example'] });
  await annPage.reload();
  await expect(annPage.getByTestId('sender-locked')).toHaveCount(0);
  await expect(annPage.getByTestId('account-sender')).toContainText('Allowed domains: acme.example, other.example');
  await expect(annPage.getByLabel('From email')).toHaveValue('hello@acme.example');

  await annPage.getByRole('button', { name: 'Delete', exact: true }).click();
  const dialog = annPage.getByTestId('delete-account');
  await expect(dialog.getByRole('button', { name: 'Delete account and its users' })).toBeDisabled();
  await dialog.getByLabel('Account name, to confirm').fill('Acme');
  await dialog.getByRole('button', { name: 'Delete account and its users' }).click();
  await expect(annPage).toHaveURL(/\/signin$/);
  expect(await (await page.request.get(`${gh.baseUrl}/api/v1/accounts`)).json()).toEqual([]);
});
