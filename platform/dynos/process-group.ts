/**
 * Process groups: every dyno is one (spawned in its own session), and stopping a dyno means
 * signalling its whole group. "Alive" ignores zombies: an orphan that exited waits for the
 * host's init to reap it, which can take a second, and it runs nothing any more. A tty
 * one-off's command leads a session of its own (pty.ts), which is killed as a whole.
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

/** `/proc/PID/stat` (null when the process is gone). */
export function procStat(pid: number): { comm: string; state: string; ppid: number; pgrp: number; session: number; startTicks: string } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime
  // stime cutime cstime priority nice num_threads itrealvalue starttime …; comm may hold spaces
  // and parentheses, so the fields are read after the last ')'.
  const end = text.lastIndexOf(')');
  const fields = text.slice(end + 2).split(' ');
  return {
    comm: text.slice(text.indexOf('(') + 1, end),
    state: fields[0] ?? '?',
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    session: Number(fields[3]),
    startTicks: fields[19] ?? '',
  };
}

const gone = (state: string) => state === 'Z' || state === 'X';

/** The pids in /proc (Linux; elsewhere, none). */
export function processIds(): number[] {
  if (!isLinux) return [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(Number(name));
  }
  return out;
}

/** The live (not zombie) processes of a group (Linux; elsewhere, empty). */
export function groupMembers(pgid: number): number[] {
  return processIds().filter((pid) => {
    const stat = procStat(pid);
    return stat !== null && stat.pgrp === pgid && !gone(stat.state);
  });
}

/** The real uid of a process (`/proc/PID/status`), or null. */
function realUid(pid: number): number | null {
  try {
    const m = /^Uid:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * SIGKILL to every live process of session `sid` that runs as our uid (Linux; elsewhere,
 * nothing); returns their pids. Never pid 1, the platform or the platform's own session.
 * `leaderStart`: the start time of the session's leader, recorded while it ran. A session's
 * number is not reused while any of its processes lives; a process with that pid started at
 * another time means the session is over, and nothing is killed. Scanned again until a scan
 * finds nothing new (a fork between the scan and the kill), a few times at most.
 */
export function killSession(sid: number, leaderStart: string): number[] {
  const own = procStat(process.pid)?.session;
  const uid = process.getuid?.();
  if (!isLinux || !Number.isInteger(sid) || sid <= 1 || own === undefined || sid === own || uid === undefined) return [];
  const leader = procStat(sid);
  if (leader && leader.startTicks !== leaderStart) return [];
  const killed = new Set<number>();
  for (let round = 0; round < 10; round++) {
    const found = processIds().filter((pid) => {
      if (pid <= 1 || pid === process.pid || killed.has(pid)) return false;
      const stat = procStat(pid);
      return stat !== null && stat.session === sid && !gone(stat.state) && realUid(pid) === uid;
    });
    if (found.length === 0) break;
    for (const pid of found) {
      killed.add(pid);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already, or not ours to signal
      }
    }
  }
  return [...killed];
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
