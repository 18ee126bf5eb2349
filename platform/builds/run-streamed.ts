/**
 * Runs a build command (argv, never a shell string) and hands its output to `onLine` line by
 * line as it comes, stdout and stderr alike (or stderr apart, with `onStderrLine`). The
 * command gets its own process group, so an abort stops it with everything it started:
 * SIGTERM to the group, SIGKILL 5 s later.
 */
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  onLine: (line: string) => void;
  /** stderr's lines, when they must be kept apart from stdout's (default: onLine) */
  onStderrLine?: (line: string) => void;
  signal?: AbortSignal;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  aborted: boolean;
}

const KILL_AFTER_MS = 5000;

export function runStreamed(command: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      resolve({ code: null, signal: null, aborted: true });
      return;
    }
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    const onAbort = (): void => {
      aborted = true;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_AFTER_MS);
      killTimer.unref();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const splitter = (onLine: (line: string) => void): { push: (chunk: Buffer) => void; end: () => void } => {
      let rest = '';
      const decoder = new StringDecoder('utf8');
      return {
        push(chunk) {
          const lines = (rest + decoder.write(chunk)).split('\n');
          rest = lines.pop() ?? '';
          for (const l of lines) onLine(l.replace(/\r$/, ''));
        },
        end() {
          rest += decoder.end();
          if (rest !== '') onLine(rest.replace(/\r$/, ''));
          rest = '';
        },
      };
    };
    const out = splitter(opts.onLine);
    const err = splitter(opts.onStderrLine ?? opts.onLine);
    child.stdout.on('data', out.push);
    child.stderr.on('data', err.push);
    child.once('error', (e) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.once('close', (code, signal) => {
      out.end();
      err.end();
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ code, signal, aborted });
    });
  });
}
