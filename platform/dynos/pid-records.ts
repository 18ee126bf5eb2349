/**
 * Crash recovery: a file per running dyno in the state dir names its process groups and
 * their leaders' start times. A platform killed with -9 leaves its (unsandboxed) dynos
 * running; the next start reads the files and kills the groups that are still ours. A pid
 * the kernel has given to some other process since is recognised by its start time (or, when
 * the leader is gone but members remain, by SLIPWAY_APP_NAME in a member's environment).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupMembers, procStat } from './process-group';

export interface PidRecord {
  app: string;
  dyno: string;
  /** Process group id → its leader's start time (null when it could not be read). */
  groups: Record<string, string | null>;
  /** The group that gets SIGTERM (a sandbox's session; bwrap itself only gets SIGKILL). */
  term: number | null;
}

const SUFFIX = '.json';

/** A process's start time: /proc's clock ticks since boot on Linux, `ps` elsewhere. */
export function processStartTime(pid: number): string | null {
  if (process.platform === 'linux') return procStat(pid)?.startTicks ?? null;
  try {
    const out = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out.length > 0 ? out : null;
  } catch {
    return null;
  }
}

function environHas(pid: number, entry: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(entry);
  } catch {
    return false;
  }
}

/** Is the live group `pgid` still the one recorded for `app`? */
export function isRecordedGroup(record: PidRecord, pgid: number): boolean {
  const recorded = record.groups[String(pgid)];
  const now = processStartTime(pgid);
  if (now !== null) return recorded !== null && recorded !== undefined && now === recorded;
  // The leader is gone: the group id cannot have been reused while members remain, but make sure.
  return groupMembers(pgid).some((pid) => environHas(pid, `SLIPWAY_APP_NAME=${record.app}`));
}

export class PidRecords {
  constructor(private readonly dir: string) {}

  /** Writes (or rewrites) a record, atomically. */
  write(id: string, record: PidRecord): void {
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, id + SUFFIX);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(record));
    renameSync(tmp, file);
  }

  remove(id: string): void {
    rmSync(join(this.dir, id + SUFFIX), { force: true });
  }

  /** Every readable record with its id; torn or foreign files are removed. */
  list(): { id: string; record: PidRecord }[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const out: { id: string; record: PidRecord }[] = [];
    for (const name of names) {
      const file = join(this.dir, name);
      if (!name.endsWith(SUFFIX)) {
        if (name.endsWith('.tmp')) rmSync(file, { force: true });
        continue;
      }
      try {
        const value = JSON.parse(readFileSync(file, 'utf8')) as PidRecord;
        if (typeof value.app === 'string' && typeof value.groups === 'object' && value.groups !== null) {
          out.push({ id: name.slice(0, -SUFFIX.length), record: value });
          continue;
        }
      } catch {
        // fall through: unreadable
      }
      rmSync(file, { force: true });
    }
    return out;
  }
}
