/**
 * A real terminal for a test: runs a shell command on a fresh pseudo-terminal made by
 * util-linux `script` (the same tool the platform uses for one-off dynos), with the test
 * typing into it and reading what the terminal shows. Waits are on output, with a deadline
 * that fails the test (showing the screen so far) rather than hanging it.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

const WAIT_MS = 30_000;

export interface Terminal {
  /** Everything the terminal has shown so far. */
  readonly screen: string;
  /** Types `text` (bytes as a keyboard sends them: `\r` for Enter, `\x03` for Ctrl-C). */
  type(text: string): void;
  /** Resolves with the match once the screen, after position `from`, matches `pattern`. */
  waitFor(pattern: RegExp | string, from?: number): Promise<RegExpExecArray>;
  /** The exit status of the command run on the terminal (rejects after a deadline, showing the screen). */
  exited(): Promise<number>;
}

/** Is util-linux `script` here? (It makes the test's terminal.) */
export const hasScript = process.platform === 'linux' && /util-linux/.test(spawnSync('script', ['--version'], { encoding: 'utf8' }).stdout ?? '');

export function terminal(t: TestContext, command: string, env: NodeJS.ProcessEnv): Terminal {
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  const waiters = new Set<() => void>();
  const tick = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout.on('data', (d: Buffer) => {
    screen += d.toString();
    tick();
  });
  child.stderr.on('data', (d: Buffer) => {
    screen += d.toString();
    tick();
  });
  let done = false;
  const exit = new Promise<number>((resolve) =>
    child.once('close', (code, signal) => {
      done = true;
      tick();
      resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15));
    }),
  );
  t.after(() => {
    if (!done) child.kill('SIGKILL');
  });
  return {
    get screen() {
      return screen;
    },
    type: (text) => void child.stdin.write(text),
    waitFor(pattern, from = 0) {
      const re = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(screen.slice(from));
          if (m) finish(() => resolve(m));
          else if (done) finish(() => reject(new Error(`the terminal's command ended before ${re}; the screen:\n${screen}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`timed out waiting for ${re}; the screen:\n${screen}`))), WAIT_MS);
        const finish = (fn: () => void) => {
          waiters.delete(check);
          clearTimeout(timer);
          fn();
        };
        waiters.add(check);
        check();
      });
    },
    exited: () =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for the terminal's command to end; the screen:\n${screen}`)), WAIT_MS);
        void exit.then((code) => {
          clearTimeout(timer);
          resolve(code);
        });
      }),
  };
}
