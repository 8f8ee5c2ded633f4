import { test, expect } from '../support/fixtures';
import { ADMIN, setUpAdmin } from '../support/flows';

// Issue 25: the pages reached from an emailed link say who invites you, into
// which account and as what (in English and Italian), what ended a dead
// link and whom to ask; the reset page names the address; host admins
// rename the host from Host settings.

test('the invitation page shows inviter, account and role in English and Italian; a replaced link says so and whom to ask', async ({ page, browser, gh }) => {
  await setUpAdmin(page, gh);
  const headers = { origin: gh.baseUrl };
  const acme = await (await page.request.post(`${gh.baseUrl}/api/v1/accounts`, { data: { name: 'Acme' }, headers })).json();
  const made = await page.request.post(`${gh.baseUrl}/api/v1/invitations`, {
    data: { email: 'bob@acme.example', role: 'account_admin', account_id: acme.id },
    headers,
  });
  expect(made.status()).toBe(201);
  const created = await made.json();
  const link: string = created.invitation_link;

  // Bob, in a browser of his own.
  const bob = await (await browser.newContext({ locale: 'en-US' })).newPage();
  await bob.goto(link);
  await expect(bob.getByTestId('invited-as')).toHaveText(`${ADMIN.email} invites you to join Acme as an account admin.`);
  await expect(bob.getByTestId('invitation')).toContainText('The invitation is for bob@acme.example: sign up with this address.');
  // Above the form.
  await expect(bob.getByRole('button', { name: 'Create account' })).toBeVisible();
  await bob.getByLabel('Language').selectOption('it');
  await expect(bob.getByTestId('invited-as')).toHaveText(`${ADMIN.email} ti invita a entrare in Acme come amministratore account.`);
  await expect(bob.getByTestId('invitation')).toContainText("L'invito è per bob@acme.example: registrati con questo indirizzo.");

  // A new link replaces this one: the old one's page says so, and whom to ask.
  const again = await page.request.post(`${gh.baseUrl}/api/v1/users/${created.user.id}/invitation`, { headers });
  expect(again.status()).toBe(200);
  const stale = await (await browser.newContext({ locale: 'en-US' })).newPage();
  await stale.goto(link);
  await expect(stale.getByTestId('dead-link')).toHaveText(
    'This invitation link was replaced by a newer one, and only the newest works: use the latest invitation email.',
  );
  await expect(stale.getByTestId('ask-for-link')).toHaveText(`Ask ${ADMIN.email} for a new link.`);
  await stale.getByLabel('Language').selectOption('it');
  await expect(stale.getByTestId('ask-for-link')).toHaveText(`Chiedi un nuovo link a ${ADMIN.email}.`);
  await expect(stale.getByTestId('dead-link')).toContainText('sostituito da uno più recente');
});

test('the reset page shows the address whose password it resets', async ({ page, gh }) => {
  await setUpAdmin(page, gh);
  gh.cli(['user', 'create', '--email', 'carla@example.com', '--role', 'host_user'], 'carla old password\n');
  const users = await (await page.request.get(`${gh.baseUrl}/api/v1/users?q=carla`)).json();
  const made = await page.request.post(`${gh.baseUrl}/api/v1/users/${users[0].id}/password-reset`, { headers: { origin: gh.baseUrl } });
  expect(made.status()).toBe(200);
  const { reset_link } = await made.json();
  await page.context().clearCookies();
  await page.goto(reset_link);
  await expect(page.getByTestId('reset-for')).toHaveText('This link resets the password of carla@example.com.');
  await page.getByLabel('Language').selectOption('it');
  await expect(page.getByTestId('reset-for')).toHaveText('Questo link reimposta la password di carla@example.com.');
});

test('host admins rename the host from Host settings: the pen, a dialog, Confirm', async ({ page, gh }) => {
  await setUpAdmin(page, gh);
  await page.getByRole('link', { name: 'Host settings' }).click();
  await expect(page.getByTestId('host-name')).toHaveText('Gatehouse');
  await page.getByRole('button', { name: 'Rename the host' }).click();
  const dialog = page.getByRole('dialog', { name: 'Rename the host' });
  await expect(dialog).toBeVisible();
  // A blank name cannot be confirmed.
  await dialog.getByLabel('Host name').fill('  ');
  await expect(dialog.getByRole('button', { name: 'Confirm' })).toBeDisabled();
  await dialog.getByLabel('Host name').fill('Agency Media');
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('host-name')).toHaveText('Agency Media');
  // Kept on the server.
  await page.reload();
  await expect(page.getByTestId('host-name')).toHaveText('Agency Media');
  const host = await (await page.request.get(`${gh.baseUrl}/api/v1/host`)).json();
  expect(host.name).toBe('Agency Media');

  // In Italian too.
  await page.request.patch(`${gh.baseUrl}/api/v1/me`, { data: { language: 'it' }, headers: { origin: gh.baseUrl } });
  await page.reload();
  await page.getByRole('button', { name: "Rinomina l'host" }).click();
  await expect(page.getByRole('dialog', { name: "Rinomina l'host" }).getByRole('button', { name: 'Conferma' })).toBeVisible();
});

test('a host admin deletes an account after typing its name; its users go with it', async ({ page, gh }) => {
  await setUpAdmin(page, gh);
  const acme = await (await page.request.post(`${gh.baseUrl}/api/v1/accounts`, { data: { name: 'Acme' }, headers: { origin: gh.baseUrl } })).json();
  gh.cli(['user', 'create', '--email', 'ann@acme.example', '--role', 'account_user', '--account-id', String(acme.id)], 'ann long password\n');
  await page.getByRole('link', { name: 'Accounts' }).click();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  const dialog = page.getByTestId('delete-account');
  await expect(dialog).toContainText('Delete Acme? Its users are removed with it');
  const confirm = dialog.getByRole('button', { name: 'Delete account and its users' });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel('Account name, to confirm').fill('Acm');
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel('Account name, to confirm').fill('Acme');
  await confirm.click();
  await expect(page.getByText('No accounts yet.')).toBeVisible();
  const users = await (await page.request.get(`${gh.baseUrl}/api/v1/users?q=acme`)).json();
  expect(users).toHaveLength(0);
});
