import AxeBuilder from '@axe-core/playwright';
import { Page } from '@playwright/test';
import { test, expect } from '../support/fixtures';
import { setUpAdmin } from '../support/flows';

/** axe-core's automated checks (WCAG 2.x A and AA, and its best practices) on what `page` shows now. */
async function expectNoViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const found = results.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(found, `axe on ${what}`).toEqual([]);
}

test('sign-in, users, accounts, SMTP configuration (both relays), email activity and backups have no axe violations', async ({ page, gh }) => {
  await page.goto(`${gh.baseUrl}/signin`);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expectNoViolations(page, 'sign-in');

  await setUpAdmin(page, gh);
  await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
  await expectNoViolations(page, 'users');

  await page.getByRole('link', { name: 'Accounts' }).click();
  await expect(page.getByText('No accounts yet.')).toBeVisible();
  await expectNoViolations(page, 'accounts');

  await page.getByRole('link', { name: 'Host settings' }).click();
  await page.getByRole('link', { name: 'SMTP configuration' }).click();
  await expect(page.getByLabel('Host', { exact: true })).toBeVisible();
  await expectNoViolations(page, 'SMTP configuration');

  await page.getByRole('link', { name: 'Fallback relay' }).click();
  await expect(page.getByTestId('fallback-state')).toHaveText('No fallback relay');
  await expectNoViolations(page, 'SMTP configuration, fallback relay');

  await page.getByRole('link', { name: 'Email activity' }).click();
  await expect(page.getByRole('heading', { name: 'Email activity' })).toBeVisible();
  await expectNoViolations(page, 'email activity');

  await page.getByRole('link', { name: 'Backup and restore' }).click();
  await expect(page.getByTestId('backup-auto-off')).toBeVisible();
  await expectNoViolations(page, 'backup and restore');
});
