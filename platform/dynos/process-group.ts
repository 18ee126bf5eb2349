/**
 * Process groups: every dyno is one (spawned in its own session), and stopping a dyno means
 * signalling its whole group. "Alive" ignores zombies: an orphan that exited waits for the
 * host's init to reap it, which can take a second, and it runs nothing any more.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';

const POLL_MS = 50;
const isLinux = process.platform === 'linux';

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code;

/** Sends `signal` to every process of the group; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if (errno(err) === 'ESRCH') return false;
    throw err;
  }
}

/** Sends `signal` to one process; false when it is gone. */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch (err) {
    if (errno(err) === 'ESRCH') return false;
    throw err;
  }
}

/** `/proc/PID/stat`: state and process group (null when the process is gone). */
export function procStat(pid: number): { state: string; pgrp: number; startTicks: string } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime
  // stime cutime cstime priority nice num_threads itrealvalue starttime …; comm may hold spaces.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '?', pgrp: Number(fields[2]), startTicks: fields[19] ?? '' };
}

/** The live (not zombie) processes of a group (Linux; elsewhere, empty). */
export function groupMembers(pgid: number): number[] {
  if (!isLinux) return [];
  const out: number[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(name);
    const stat = procStat(pid);
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') out.push(pid);
  }
  return out;
}

/** True while some process of the group still runs (zombies do not count on Linux). */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  if (!isLinux) return true;
  return groupMembers(pgid).length > 0;
}

/** Resolves once none of the groups has a running process (polled every 50 ms). */
export async function waitGroupsGone(pgids: readonly number[], signal?: AbortSignal): Promise<void> {
  while (pgids.some(groupAlive)) {
    if (signal?.aborted) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Does the process catch or ignore `signal` (Linux `/proc/PID/status`)? Unknown: true. */
export function handlesSignal(pid: number, signal: NodeJS.Signals): boolean {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return true;
  }
  const number = constants.signals[signal];
  const bit = 1n << BigInt(number - 1);
  for (const key of ['SigCgt', 'SigIgn']) {
    const m = new RegExp(`^${key}:\\s*([0-9a-f]+)$`, 'm').exec(text);
    if (!m?.[1] || (BigInt(`0x${m[1]}`) & bit) !== 0n) return true;
  }
  return false;
}
