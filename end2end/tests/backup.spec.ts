import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '../support/fixtures';
import { ADMIN, signIn } from '../support/flows';
import { Gatehouse } from '../support/server';

// Host settings → Backup and restore: the automatic backup written at start is listed; a
// backup file and the backup key need the password typed again (a wrong one is said under
// the field); the file downloads and is encrypted; English and Italian.
test('a host admin makes a backup, sees the key, and the automatic backups are listed', async ({ page }) => {
  const backups = mkdtempSync(join(tmpdir(), 'gatehouse-backups-'));
  const gh = await Gatehouse.start({
    GATEHOUSE_ADMIN_EMAIL: ADMIN.email,
    GATEHOUSE_ADMIN_PASSWORD: ADMIN.password,
    GATEHOUSE_BACKUP_DIR: backups,
  });
  try {
    await signIn(page, gh, ADMIN.email, ADMIN.password);
    await expect(page.getByTestId('me-email')).toHaveText(ADMIN.email);
    await expect.poll(() => readdirSync(backups).filter((f) => f.endsWith('.ghbk')).length).toBe(1);
    await page.goto(`${gh.baseUrl}/settings/backup`);
    await expect(page.getByRole('heading', { name: 'Backup and restore' })).toBeVisible();
    await expect(page.getByText(`Every 24 h into ${backups}, keeping the newest 7.`)).toBeVisible();
    await expect(page.getByTestId('backup-files').locator('tbody tr')).toHaveCount(1);

    const password = page.getByLabel('Password');
    await password.fill('not my password');
    await page.getByRole('button', { name: 'Create backup' }).click();
    await expect(page.getByText('this is not your current password')).toBeVisible();
    await expect(page.getByTestId('backup-ready')).toHaveCount(0);

    await password.fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create backup' }).click();
    await expect(page.getByTestId('backup-ready')).toContainText('The backup is ready');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('backup-save').click()]);
    expect(download.suggestedFilename()).toMatch(/^gatehouse-backup-\d{8}T\d{6}Z\.ghbk$/);
    const saved = readFileSync(await download.path());
    expect(saved.subarray(0, 8).toString()).toBe('GHBACKUP');
    expect(saved.includes(Buffer.from(ADMIN.email))).toBe(false);

    await password.fill(ADMIN.password);
    await page.getByRole('button', { name: 'Show key' }).click();
    await expect(page.getByTestId('backup-key')).toHaveValue(/^[A-Za-z0-9+/]{43}=$/);
    await expect(page.getByTestId('backup-key-fingerprint')).toContainText(/Fingerprint [0-9a-f]{16}/);

    // In Italian too.
    await page.getByRole('link', { name: 'Profile' }).click();
    await page.locator('#profile-language').selectOption('it');
    await expect(page.getByRole('heading', { name: 'Il tuo profilo' })).toBeVisible();
    await page.goto(`${gh.baseUrl}/settings/backup`);
    await expect(page.getByRole('heading', { name: 'Backup e ripristino' })).toBeVisible();
    await expect(page.getByText(`Ogni 24 h in ${backups}, conservando i 7 più recenti.`)).toBeVisible();
    await expect(page.getByRole('button', { name: 'Crea backup' })).toBeDisabled();
  } finally {
    await gh.stop();
  }
});
