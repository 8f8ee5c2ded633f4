// Microsoft 365 stand-ins for the OAuth2 test: a local token endpoint
// (scripts/oauth_server.py) and a StartTLS relay taking AUTH XOAUTH2 with its
// tokens (scripts/smtp_relay.py --xoauth2), under a throwaway CA
// (scripts/test_certs.py) that Gatehouse is told to trust; and a local
// Microsoft Graph sendMail endpoint taking the same endpoint's Graph tokens
// (scripts/graph_server.py).
import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SCRIPTS = resolve(__dirname, '../../scripts');
const PYTHON = process.env.GATEHOUSE_TEST_PYTHON ?? 'python3';
export const MAILBOX = 'noreply@contoso.example';
export const TENANT = 'contoso.onmicrosoft.com';
export const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
export const CLIENT_SECRET = 'the right client secret';
const SHARED = 'shared-by-the-token-endpoint-and-the-relay';

/** Starts a script and resolves with the port of its `READY <port>` line; `lines` collects the rest. */
function startScript(args: string[], lines: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(PYTHON, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolvePromise, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start`)), 30_000);
    child.on('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
    child.stdout!.on('data', (chunk) => {
      buffered += String(chunk);
      const all = buffered.split('\n');
      buffered = all.pop() ?? '';
      for (const line of all) {
        lines.push(line);
        const ready = line.match(/^READY (\d+)/);
        if (ready) {
          clearTimeout(timer);
          resolvePromise({ child, port: Number(ready[1]) });
        }
      }
    });
  });
}

export class MicrosoftPeers {
  readonly relayEvents: string[] = [];
  readonly tokenEvents: string[] = [];
  readonly graphEvents: string[] = [];

  private constructor(
    private readonly dir: string,
    readonly caFile: string,
    private relay?: { child: ChildProcess; port: number },
    private tokens?: { child: ChildProcess; port: number },
    private graph?: { child: ChildProcess; port: number },
  ) {}

  static async start(): Promise<MicrosoftPeers> {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-oauth-'));
    const certs = spawnSync(PYTHON, [join(SCRIPTS, 'test_certs.py'), dir]);
    if (certs.status !== 0) throw new Error(`test_certs.py failed: ${certs.stderr}`);
    const peers = new MicrosoftPeers(dir, join(dir, 'ca.pem'));
    peers.relay = await startScript(
      [join(SCRIPTS, 'smtp_relay.py'), '--mode', 'starttls', '--cert', join(dir, 'cert.pem'), '--key', join(dir, 'key.pem'),
        '--maildir', dir, '--xoauth2', `${MAILBOX}:${SHARED}`],
      peers.relayEvents,
    );
    peers.tokens = await startScript(
      [join(SCRIPTS, 'oauth_server.py'), '--secret', SHARED, '--mailbox', MAILBOX, '--key-file', join(dir, 'key.json')],
      peers.tokenEvents,
    );
    peers.graph = await startScript(
      [join(SCRIPTS, 'graph_server.py'), '--secret', SHARED, '--mailbox', MAILBOX, '--spool', dir, '--retry-after', '120'],
      peers.graphEvents,
    );
    return peers;
  }

  get relayPort(): number {
    return this.relay!.port;
  }

  /** GATEHOUSE_MICROSOFT_LOGIN_URL pointing at the local token endpoint. */
  get loginUrl(): string {
    return `http://127.0.0.1:${this.tokens!.port}`;
  }

  /** GATEHOUSE_MICROSOFT_GRAPH_URL pointing at the local Graph endpoint. */
  get graphUrl(): string {
    return `http://127.0.0.1:${this.graph!.port}`;
  }

  stop(): void {
    for (const p of [this.relay, this.tokens, this.graph]) {
      p?.child.removeAllListeners('exit');
      p?.child.kill('SIGTERM');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
