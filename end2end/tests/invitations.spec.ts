import { test, expect } from '../support/fixtures';
import { ADMIN, linkIn, setUpAdmin, signIn, smtpOn } from '../support/flows';

const BOB = 'bob@example.com';

test('invite by email, open the link from the email, create the account, land on the dashboard', async ({ page, browser, gh, catcher }) => {
  await setUpAdmin(page, gh);
  await smtpOn(page, gh, catcher.port);

  await page.getByRole('button', { name: 'Invite a new user' }).click();
  await page.getByLabel('Email').fill(BOB);
  await page.getByLabel('User type').selectOption('host_admin');
  await page.getByRole('button', { name: 'Continue' }).click();
  const panel = page.getByTestId('link-panel');
  await expect(panel).toContainText(`Invitation email sent to ${BOB}.`);
  const shown = await page.getByTestId('invitation-link').inputValue();
  await expect(page.getByTestId('users-table')).toContainText(BOB);

  await expect.poll(() => catcher.messages().length, { timeout: 15_000 }).toBe(1);
  const link = linkIn(catcher.messages()[0], gh.baseUrl, 'invite');
  expect(link).toBe(shown);

  // Bob, in a browser of his own.
  const bob = await (await browser.newContext()).newPage();
  await bob.goto(link);
  await expect(bob.getByRole('heading', { name: 'Create your Gatehouse account' })).toBeVisible();
  await bob.getByLabel('Email').fill('someone.else@example.com');
  await bob.getByLabel('Password', { exact: true }).fill('bob long password');
  await bob.getByLabel('Confirm password').fill('bob long password');
  await bob.getByRole('button', { name: 'Create account' }).click();
  await expect(bob.getByText('This is not the address the invitation was sent to.')).toBeVisible();
  await bob.getByLabel('Email').fill(BOB);
  await bob.getByRole('button', { name: 'Create account' }).click();
  await expect(bob.getByTestId('me-email')).toHaveText(BOB);

  // The link worked once.
  await bob.goto(link);
  await expect(bob.getByTestId('dead-link')).toBeVisible();
  await page.reload();
  await expect(page.getByTestId('users-table').getByRole('row', { name: new RegExp(BOB) }).getByTestId('status')).toHaveText('Active');
});

test('forgot password: the email arrives, the link sets a new password once', async ({ page, gh, catcher }) => {
  await setUpAdmin(page, gh);
  await smtpOn(page, gh, catcher.port);
  gh.cli(['user', 'create', '--email', BOB, '--role', 'host_user'], 'bob old password\n');
  await page.context().clearCookies();

  await page.goto(`${gh.baseUrl}/signin`);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  // The page's own heading first: filling 'Email' at once could fill the
  // sign-in page's field while the forgot page's module is still loading.
  await expect(page.getByRole('heading', { name: 'Reset your password' })).toBeVisible();
  await page.getByLabel('Email').fill(BOB);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByTestId('forgot-done')).toContainText(`If an account exists for ${BOB}`);

  await expect.poll(() => catcher.messages().length, { timeout: 15_000 }).toBe(1);
  const link = linkIn(catcher.messages()[0], gh.baseUrl, 'reset');
  await page.goto(link);
  await expect(page.getByLabel('Password', { exact: true })).toBeVisible();
  await expect(page).toHaveURL(`${gh.baseUrl}/reset`);
  await page.getByLabel('Password', { exact: true }).fill('bob new password');
  await page.getByLabel('Confirm password').fill('bob new password');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByTestId('reset-done')).toBeVisible();

  await page.goto(link);
  await expect(page.getByTestId('dead-link')).toBeVisible();
  await signIn(page, gh, BOB, 'bob old password');
  await expect(page.getByRole('alert')).toContainText('Wrong email or password.');
  await signIn(page, gh, BOB, 'bob new password');
  await expect(page.getByTestId('me-email')).toHaveText(BOB);
});

test('with SMTP off the console shows the link to copy, and sends nothing', async ({ page, browser, gh, catcher }) => {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await setUpAdmin(page, gh);
  await page.getByRole('button', { name: 'Invite a new user' }).click();
  await page.getByLabel('Email').fill(BOB);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByTestId('link-panel')).toContainText('SMTP is off — copy this link and send it yourself.');
  const link = await page.getByTestId('invitation-link').inputValue();
  expect(link.startsWith(`${gh.baseUrl}/invite/`)).toBe(true);

  await page.getByRole('button', { name: 'Copy' }).click();
  await expect(page.getByTestId('copy-status')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);

  // Lost link: Generate invite link replaces it; the old one is dead.
  await page.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('button', { name: 'Generate invite link' }).click();
  await expect(page.getByTestId('link-panel')).toContainText('The previous link no longer works.');
  const fresh = await page.getByTestId('invitation-link').inputValue();
  expect(fresh).not.toBe(link);

  const bob = await (await browser.newContext()).newPage();
  await bob.goto(link);
  await expect(bob.getByTestId('dead-link')).toBeVisible();
  await bob.goto(fresh);
  await expect(bob.getByRole('heading', { name: 'Create your Gatehouse account' })).toBeVisible();
  await expect(bob).toHaveURL(`${gh.baseUrl}/invite`);
  expect(catcher.messages()).toHaveLength(0);
});

test("the server's complaint about a field stands until that field is edited", async ({ page, gh }) => {
  await setUpAdmin(page, gh);
  await page.getByRole('button', { name: 'Invite a new user' }).click();
  // The admin's own address is taken: only the server can know that.
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByRole('button', { name: 'Continue' }).click();
  const complaint = page.locator('#field-email-error');
  await expect(complaint).toHaveText('This email address is already in use');
  // Another field changing leaves it standing; editing the address clears it.
  await page.getByLabel('User type').selectOption('host_admin');
  await expect(complaint).toHaveText('This email address is already in use');
  await page.getByLabel('Email').fill(BOB);
  await expect(complaint).toHaveText('');
  await page.getByLabel('Email').fill(ADMIN.email);
  await expect(complaint).toHaveText('This email address is already in use');
});
