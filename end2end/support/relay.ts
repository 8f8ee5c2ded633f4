import { spawn, ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SCRIPT = resolve(__dirname, '../../scripts/smtp_relay.py');

/** A real SMTP server (aiosmtpd, scripts/smtp_relay.py) that keeps what it receives. */
export class SmtpCatcher {
  private readonly messagePaths: string[] = [];

  private constructor(readonly port: number, private readonly child: ChildProcess, private readonly dir: string) {}

  static async start(args: string[] = []): Promise<SmtpCatcher> {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-mail-'));
    const python = process.env.GATEHOUSE_TEST_PYTHON ?? 'python3';
    const child = spawn(python, [SCRIPT, '--maildir', dir, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    return await new Promise((resolvePromise, reject) => {
      let catcher: SmtpCatcher | undefined;
      let buffered = '';
      const timer = setTimeout(() => reject(new Error('the SMTP catcher did not start')), 20_000);
      child.on('exit', (code) => reject(new Error(`the SMTP catcher exited with ${code}`)));
      child.stdout!.on('data', (chunk) => {
        buffered += String(chunk);
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          const ready = line.match(/^READY (\d+)/);
          if (ready) {
            clearTimeout(timer);
            catcher = new SmtpCatcher(Number(ready[1]), child, dir);
            resolvePromise(catcher);
          }
          const message = line.match(/^MESSAGE (.+)$/);
          if (message && catcher) catcher.messagePaths.push(message[1]);
        }
      });
    });
  }

  /** The raw messages received so far. */
  messages(): string[] {
    return this.messagePaths.map((p) => readFileSync(p, 'utf8'));
  }

  async stop(): Promise<void> {
    this.child.removeAllListeners('exit');
    this.child.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
