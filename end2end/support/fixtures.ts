// The tests' fixtures: a fresh Gatehouse (own data dir, own port) and, for
// the tests that ask for one, a real SMTP server (aiosmtpd) catching what it
// sends, or Microsoft 365's stand-ins with a Gatehouse that uses them. Each
// starts only when a test names it, and stops after that test.
import { test as base } from '@playwright/test';
import { Gatehouse } from './server';
import { SmtpCatcher } from './relay';
import { MicrosoftPeers } from './oauth';

export const test = base.extend<{ gh: Gatehouse; ghEnv: NodeJS.ProcessEnv; catcher: SmtpCatcher; catcherArgs: string[] }>({
  // Faults for the catcher to inject (see scripts/smtp_relay.py); set with test.use().
  catcherArgs: [[], { option: true }],
  // Settings for the test's Gatehouse (e.g. delivery health's short thresholds); set with test.use().
  ghEnv: [{}, { option: true }],
  gh: async ({ ghEnv }, use) => {
    const gh = await Gatehouse.start(ghEnv);
    await use(gh);
    await gh.stop();
  },
  catcher: async ({ catcherArgs }, use) => {
    const catcher = await SmtpCatcher.start(catcherArgs);
    await use(catcher);
    await catcher.stop();
  },
});

/** With Microsoft 365's stand-ins (support/oauth.ts) and `oauthGh`, a Gatehouse that trusts their CA and asks them. */
export const microsoftTest = test.extend<{ peers: MicrosoftPeers; oauthGh: Gatehouse }>({
  peers: async ({}, use) => {
    const peers = await MicrosoftPeers.start();
    await use(peers);
    peers.stop();
  },
  oauthGh: async ({ peers }, use) => {
    const gh = await Gatehouse.start({
      GATEHOUSE_SMTP_CA_FILE: peers.caFile,
      GATEHOUSE_MICROSOFT_LOGIN_URL: peers.loginUrl,
      GATEHOUSE_MICROSOFT_GRAPH_URL: peers.graphUrl,
    });
    await use(gh);
    await gh.stop();
  },
});

export { expect } from '@playwright/test';
