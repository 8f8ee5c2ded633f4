import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = process.env.GATEHOUSE_BIN ?? resolve(__dirname, '../../target/release/gatehouse');

/**
 * The environment of an instance on SQLite in `dataDir`, whatever the caller's shell has set.
 * The dashboard is the one built into the binary (`make test` builds it so), unless the caller
 * sets GATEHOUSE_DIST_DIR to try a dashboard folder without relinking.
 */
function instanceEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GATEHOUSE_DATA_DIR: dataDir };
  for (const name of ['GATEHOUSE_DATABASE_URL', 'GATEHOUSE_PUBLIC_URL', 'GATEHOUSE_BIND']) delete env[name];
  return env;
}

/** A gatehouse process on a free port with its own SQLite data dir. */
export class Gatehouse {
  private constructor(
    readonly baseUrl: string,
    readonly setupLink: string | undefined,
    private readonly child: ChildProcess,
    private readonly dataDir: string,
    readonly output: string[],
  ) {}

  /** `env`: settings for this instance only (e.g. GATEHOUSE_SMTP_CA_FILE). */
  static async start(env: NodeJS.ProcessEnv = {}): Promise<Gatehouse> {
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-'));
    // Started from `/`: the one file needs no folder beside it.
    const child = spawn(BIN, ['serve', '--bind', '127.0.0.1:0'], {
      cwd: '/',
      env: { ...instanceEnv(dataDir), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    return await new Promise((resolvePromise, reject) => {
      let setupLink: string | undefined;
      let buffered = '';
      const timer = setTimeout(() => reject(new Error(`gatehouse did not start:\n${output.join('')}`)), 30_000);
      child.on('exit', (code) => reject(new Error(`gatehouse exited with ${code}:\n${output.join('')}`)));
      child.stdout!.on('data', (d) => output.push(String(d)));
      // The banner (setup link, then "listening") is on stderr, in that order.
      child.stderr!.on('data', (chunk) => {
        output.push(String(chunk));
        buffered += String(chunk);
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          if (line.startsWith('Setup link: ')) setupLink = line.slice('Setup link: '.length).trim();
          const listening = line.match(/^Gatehouse listening on (\S+)/);
          if (listening) {
            clearTimeout(timer);
            resolvePromise(new Gatehouse(listening[1], setupLink, child, dataDir, output));
          }
        }
      });
    });
  }

  /** Runs a CLI subcommand against this instance's database. */
  cli(args: string[], stdin = ''): string {
    const run = spawnSync(BIN, args, { input: stdin, env: instanceEnv(this.dataDir) });
    if (run.status !== 0) throw new Error(`gatehouse ${args.join(' ')} failed: ${run.stderr}`);
    return String(run.stdout);
  }

  async stop(): Promise<void> {
    this.child.removeAllListeners('exit');
    this.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 50));
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
