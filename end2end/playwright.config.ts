import { defineConfig } from '@playwright/test';

// Runs in Debian's Chromium (package `chromium`): Playwright's own browser
// downloads are not used. Each test starts its own gatehouse process (see
// support/server.ts), so tests share nothing.
export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  // Two cores: one server and one browser at a time keeps timings honest.
  workers: 1,
  forbidOnly: true,
  retries: 0,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    },
    trace: 'retain-on-failure',
  },
});
