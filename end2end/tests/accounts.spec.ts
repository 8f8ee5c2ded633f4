import { test, expect } from '../support/fixtures';
import { setUpAdmin } from '../support/flows';

test('create and rename accounts', async ({ page, gh }) => {
  await setUpAdmin(page, gh);
  await page.getByRole('link', { name: 'Accounts' }).click();
  await expect(page.getByText('No accounts yet.')).toBeVisible();

  await page.getByLabel('Account name').fill('Acme Srl');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('accounts-table')).toContainText('Acme Srl');
  await expect(page.getByLabel('Account name')).toHaveValue('');

  // A duplicate is refused with the reason.
  await page.getByLabel('Account name').fill('acme srl');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert')).toContainText('already exists');

  await page.getByRole('button', { name: 'Rename' }).click();
  const row = page.getByTestId('accounts-table').getByRole('textbox');
  await row.fill('Acme Group');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByTestId('accounts-table')).toContainText('Acme Group');
  await expect(page.getByTestId('accounts-table')).not.toContainText('Acme Srl');
});
