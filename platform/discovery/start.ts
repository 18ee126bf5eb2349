/**
 * Finding, starting and waiting for the platform: the one implementation that the CLI
 * (cli/connect.ts) and the editor (extension/platform-process.ts) share.
 *
 * The ready signal is `platform.json` naming the started process (platform-file.ts: written
 * atomically once both ports listen). It is looked for every 20 ms: a read of a small file,
 * cheaper and surer than a file watcher (which network mounts do not report).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import type { HomePaths } from './home';
import { pidAlive, readPlatformFile, type PlatformFile } from './platform-file';
import { platformEnv } from './spawn-env';

const POLL_MS = 20;

export class PlatformStartError extends Error {
  constructor(
    readonly code: 'platform_missing' | 'platform_start_failed',
    message: string,
    readonly logFile: string,
  ) {
    super(message);
    this.name = 'PlatformStartError';
  }
}

/** platform.json, if it names a live process. */
export function runningPlatform(paths: HomePaths): PlatformFile | null {
  const info = readPlatformFile(paths.platformJson);
  return info && pidAlive(info.pid) ? info : null;
}

/** The last `lines` lines of a log file ('' when there is none). */
export function logTail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `exit code ${code ?? '?'}`;
}

export interface StartOptions {
  /** The platform bundle (dist/platform.js). */
  script: string;
  paths: HomePaths;
  /** `--port N`, `--router-port N`. */
  args?: string[];
  /** The node that runs it (the editor passes Electron's, with ELECTRON_RUN_AS_NODE in `env`). */
  execPath?: string;
  /** Added to the caller's environment (SLIPWAY_HOME is always set to paths.root). */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export interface StartedPlatform {
  child: ChildProcess;
  /** Resolves with how the process ended (`exit code 1`, `signal SIGKILL`, `could not be spawned: …`). */
  exited: Promise<string>;
  /** Resolves once platform.json names the child; rejects with PlatformStartError if it ends first or the time runs out. */
  ready: Promise<PlatformFile>;
}

/**
 * Starts the platform detached (its own process group, so it and its dynos outlive the caller),
 * its output appended to $SLIPWAY_HOME/platform.log.
 */
export function startPlatform(opts: StartOptions): StartedPlatform {
  const { script, paths } = opts;
  if (!existsSync(script)) throw new PlatformStartError('platform_missing', `${script} is missing; build it with: npm run build`, paths.log);
  mkdirSync(paths.root, { recursive: true, mode: 0o700 });
  const log = openSync(paths.log, 'a');
  let child: ChildProcess;
  try {
    child = spawn(opts.execPath ?? process.execPath, [script, ...(opts.args ?? [])], {
      detached: true,
      stdio: ['ignore', log, log],
      env: platformEnv(process.env, { ...opts.env, SLIPWAY_HOME: paths.root }),
      cwd: paths.root,
    });
  } finally {
    closeSync(log);
  }
  child.unref();
  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => resolve(`could not be spawned: ${err.message}`));
    child.once('exit', (code, signal) => resolve(describeExit(code, signal)));
  });
  const ready = waitForReady(child, exited, paths, opts.timeoutMs ?? 30000);
  ready.catch(() => undefined); // the caller awaits it; never an unhandled rejection meanwhile
  return { child, exited, ready };
}

function waitForReady(child: ChildProcess, exited: Promise<string>, paths: HomePaths, timeoutMs: number): Promise<PlatformFile> {
  return new Promise<PlatformFile>((resolve, reject) => {
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearInterval(poll);
      clearTimeout(timer);
      fn();
    };
    const check = () => {
      const info = readPlatformFile(paths.platformJson);
      if (info && info.pid === child.pid) finish(() => resolve(info));
    };
    const poll = setInterval(check, POLL_MS);
    const timer = setTimeout(
      () => finish(() => reject(new PlatformStartError('platform_start_failed', `the Slipway platform did not become ready within ${timeoutMs / 1000} s; see ${paths.log}`, paths.log))),
      timeoutMs,
    );
    void exited.then((exit) => {
      check();
      const tail = logTail(paths.log, 8);
      finish(() => reject(new PlatformStartError('platform_start_failed', `the Slipway platform did not start (${exit})${tail ? `:\n${tail}` : ''}\n(full log: ${paths.log})`, paths.log)));
    });
    check();
  });
}

/**
 * Resolves true once the platform `pid` is gone, false when `timeoutMs` passes first (a process
 * the caller does not own cannot be awaited: it is looked at every 25 ms).
 */
export function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const gone = () => !pidAlive(pid);
    if (gone()) return resolve(true);
    const poll = setInterval(() => {
      if (!gone()) return;
      clearInterval(poll);
      clearTimeout(timer);
      resolve(true);
    }, 25);
    const timer = setTimeout(() => {
      clearInterval(poll);
      resolve(false);
    }, timeoutMs);
  });
}
