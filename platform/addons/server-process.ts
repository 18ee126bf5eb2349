/**
 * A server process the platform runs for add-ons (postgres, redis-server): started in its own
 * session so that it outlives a `kill -9` of the platform (the next start takes it over, never
 * starting a second one on the same data dir), recognised by its command line, awaited by its
 * log, stopped by its pid.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { PlatformError } from '../errors';

const POLL_MS = 25;

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's argv (Linux /proc), or null when it is gone. */
export function commandLine(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return null;
  }
}

/**
 * Is `pid` alive, not a zombie, and working in `dir` (its data dir)? Both servers chdir there,
 * and redis-server rewrites its argv, so the working directory is what tells a reused pid apart.
 */
export function isOurServer(pid: number, dir: string): boolean {
  if (!pidAlive(pid) || isZombie(pid)) return false;
  try {
    return readlinkSync(`/proc/${pid}/cwd`) === dir;
  } catch {
    return false;
  }
}

export function lastLines(file: string, n = 8): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}

export interface SpawnedServer {
  pid: number;
  /** Resolves with the exit code when the server exits while the platform waits on it. */
  exited: Promise<number | null>;
}

/** Starts `file argv` detached, its output appended to `logFile`. */
export function spawnServer(file: string, argv: string[], opts: { logFile: string; uid?: number; gid?: number; cwd?: string }): SpawnedServer {
  const fd = openSync(opts.logFile, 'a');
  try {
    const child = spawn(file, argv, { detached: true, stdio: ['ignore', fd, fd], uid: opts.uid, gid: opts.gid, cwd: opts.cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C' } });
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', () => resolve(-1));
    });
    child.unref();
    if (child.pid === undefined) throw new PlatformError('server_start_failed', `cannot start ${file}`, 500);
    return { pid: child.pid, exited };
  } finally {
    closeSync(fd);
  }
}

/**
 * Resolves once `ready()` is true; rejects with the log's last lines when the server exits
 * first or `timeoutMs` passes. (The log is the only signal both servers give.)
 */
export async function waitReady(what: string, server: SpawnedServer, ready: () => boolean, logFile: string, timeoutMs: number): Promise<void> {
  let exitCode: number | null | undefined;
  void server.exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (ready()) return;
    if (exitCode !== undefined) {
      throw new PlatformError('server_start_failed', `${what} did not start (exit status ${exitCode}); the last lines of its log ${logFile}:\n${lastLines(logFile)}`, 500);
    }
    if (Date.now() > deadline) {
      throw new PlatformError('server_start_failed', `${what} was not ready after ${Math.round(timeoutMs / 1000)} s; the last lines of its log ${logFile}:\n${lastLines(logFile)}`, 500);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Sends `signal`, waits until the pid is gone; SIGKILL after `graceMs`. */
export async function stopPid(pid: number, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (pidAlive(pid) && !isZombie(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        return;
      }
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
