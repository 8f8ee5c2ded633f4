import { test, expect } from '../support/fixtures';
import { setUpAdmin } from '../support/flows';

test('the audit log lists admin actions, filtered by action and actor', async ({ page, gh }) => {
  await setUpAdmin(page, gh);
  await page.getByRole('link', { name: 'Accounts' }).click();
  await page.getByLabel('Account name').fill('Acme Srl');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('accounts-table')).toContainText('Acme Srl');

  await page.getByRole('link', { name: 'Host settings' }).click();
  await page.getByRole('link', { name: 'Audit log' }).click();
  const table = page.getByTestId('audit-table');
  await expect(table).toContainText('Created an account');
  await expect(table).toContainText('Acme Srl');
  await expect(table).toContainText('Set up the instance');

  await page.getByLabel('Action').selectOption({ label: 'Created an account' });
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(table).not.toContainText('Set up the instance');
  await expect(table).toContainText('admin@example.com');

  await page.getByLabel('Who').fill('nobody@');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page.getByText('Nothing recorded matches.')).toBeVisible();
});
