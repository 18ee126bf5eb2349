/**
 * A pseudo-terminal for a one-off dyno (`slipway run` from a terminal, like `heroku run bash`).
 *
 * Decision: the pty is made by util-linux `script`, run as the dyno's command INSIDE the
 * sandbox, not by a native addon (node-pty) in the platform:
 *
 *   /bin/sh -c "script -qfec 'stty rows R cols C; exec /bin/sh -c CMD' /dev/null; exit $?"
 *
 * - It composes with the sandbox (sandbox.ts) instead of fighting it. bwrap's `--new-session`
 *   (which it needs, see there) drops any controlling terminal given from outside, and its
 *   fresh `/dev` hides the host's `/dev/pts`: a pty made outside the sandbox would reach the
 *   command as a tty without a session (no job control, Ctrl-C would kill bwrap rather than
 *   interrupt the command, `tty` says "not a tty"). `script` inside the sandbox opens the
 *   sandbox's own devpts, makes the command a session leader with the pty as its controlling
 *   terminal, and relays the pty over the dyno's ordinary stdin/stdout pipes. Ctrl-C and
 *   Ctrl-D are bytes written to the pty's master: its line discipline turns them into SIGINT
 *   for the foreground job and EOF, exactly as on a local terminal.
 * - Nothing to compile or ship: util-linux is on every Linux distribution (`script -e` exits
 *   with the command's status), while node-pty would have to be built by node-gyp at install
 *   time and packaged per platform into the .vsix.
 * - The platform keeps its process model: the dyno's shell is its pid 1 and `script` its
 *   child (not exec'd: as the pid namespace's init, `script` would inherit orphans such as a
 *   `sleep 300 &` and never finish); when `script` exits, the shell exits with its status
 *   and the sandbox's pid namespace, with anything left in it, goes.
 * - Hang-up: a tty one-off is stopped (its caller went away, `ps:stop`, platform stop) the
 *   way a closed terminal window stops a session: `script` is killed, so the pty's master
 *   closes and the kernel sends SIGHUP to the session (an interactive shell ignores SIGTERM,
 *   not SIGHUP); the ordinary stop sequence follows.
 * - Leftovers: `script` makes the command the leader of a session of its own, so an
 *   interactive shell's background jobs are process groups of that session, not of the
 *   dyno's group, and one that ignores SIGHUP (`nohup sleep 300 &`) outlives the hang-up. A
 *   sandbox's pid namespace takes them along; a plain dyno would leave them running. So the
 *   session is found while it runs (`PtySession`) and, however the one-off ends, whatever
 *   is left in it is killed with SIGKILL.
 * - Size: the initial size is set by `stty` inside the pty before the command starts (with
 *   COLUMNS/LINES in its environment). Live resizes set the pty's window size from outside
 *   with `stty -F /proc/PID/root/dev/pts/N` (PID: `script`, which holds the pty's slave side
 *   open; through `/proc/PID/root` the path resolves in the sandbox's own mounts); the kernel
 *   then sends SIGWINCH to the foreground job, as a terminal emulator does. `stty` sets rows
 *   and columns one after the other, so a resize of both is two SIGWINCHes.
 *
 * Where it does not work (macOS, whose BSD `script` differs and which has no /proc; a Linux
 * without util-linux's `script`), `ptyAvailable()` is false and the one-off runs with pipes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { killSession, processIds, procStat, signalProcess } from './process-group';

export interface TtySize {
  cols: number;
  rows: number;
}

/** The largest size we pass on (stty accepts up to 65535; nobody has a terminal that big). */
const MAX_SIZE = 10_000;

let available: boolean | undefined;

/** Is util-linux `script` here (Linux only)? Probed once per process. */
export function ptyAvailable(): boolean {
  if (available === undefined) {
    if (process.platform !== 'linux') available = false;
    else {
      const r = spawnSync('script', ['--version'], { encoding: 'utf8', timeout: 5000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' } });
      available = r.status === 0 && /util-linux/.test(`${r.stdout}${r.stderr}`);
    }
  }
  return available;
}

/** POSIX shell single quoting: the text as one word. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function clampSize(size: TtySize): TtySize {
  const clamp = (n: number, fallback: number) => (Number.isInteger(n) && n > 0 ? Math.min(n, MAX_SIZE) : fallback);
  return { cols: clamp(size.cols, 80), rows: clamp(size.rows, 24) };
}

/**
 * The shell command that runs COMMAND (itself run by /bin/sh, as every dyno command is) on a
 * new pty of the given size; `script -e` exits with COMMAND's status.
 */
export function ptyCommand(command: string, size: TtySize): string {
  const { cols, rows } = clampSize(size);
  const inner = `stty rows ${rows} cols ${cols} 2>/dev/null; exec /bin/sh -c ${shellQuote(command)}`;
  return `script -qfec ${shellQuote(inner)} /dev/null; exit $?`;
}

/** The `script` process of a tty one-off whose pid 1 (sandboxed) or group leader (plain) is `pid`. */
export function scriptPid(pid: number): number | null {
  if (procStat(pid)?.comm === 'script') return pid;
  for (const child of processIds()) {
    const stat = procStat(child);
    if (stat?.ppid === pid && stat.comm === 'script') return child;
  }
  return null;
}

/** The session `script` made for the command: its child, once that leads a session. */
function commandSession(leader: number): { sid: number; start: string } | null {
  const script = scriptPid(leader);
  if (script === null) return null;
  for (const pid of processIds()) {
    const stat = procStat(pid);
    if (stat?.ppid === script && stat.session === pid) return { sid: pid, start: stat.startTicks };
  }
  return null;
}

/** How often a new one-off is looked at until its session is found (a few milliseconds in). */
const FIND_SESSION_MS = 20;
/** When to give up looking (`script` did not start its command). */
const FIND_SESSION_TRIES = 250;

/**
 * The session of a tty one-off's command, found while it runs (after the command has exited,
 * nothing leads to it any more: its leftovers are orphans of the host's init), and killed as
 * a whole by `end()`, when the one-off has ended.
 */
export class PtySession {
  private found: { sid: number; start: string } | null = null;
  private ended = false;

  /** `leader`: the one-off's pid 1 (sandboxed) or group leader (plain); null once it ended. */
  constructor(private readonly leader: () => number | null) {
    void this.find();
  }

  /** SIGKILL to every process left in the session; returns their pids. */
  end(): number[] {
    this.ended = true;
    return this.found ? killSession(this.found.sid, this.found.start) : [];
  }

  private async find(): Promise<void> {
    for (let tries = 0; !this.ended && tries < FIND_SESSION_TRIES; tries++) {
      const pid = this.leader();
      if (pid === null) return;
      this.found = commandSession(pid);
      if (this.found) return;
      await new Promise((resolve) => setTimeout(resolve, FIND_SESSION_MS));
    }
  }
}

/** The pty's slave side as `script` sees it (`/dev/pts/0`), or null. */
function slavePath(pid: number): string | null {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return null;
  }
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (/^\/dev\/pts\/\d+$/.test(target)) return target;
  }
  return null;
}

/** Closes the pty (kills `script`): SIGHUP for the session, as when a terminal closes. */
export function hangUp(pid: number): boolean {
  const script = scriptPid(pid);
  return script !== null && signalProcess(script, 'SIGKILL');
}

function stty(path: string, size: TtySize): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('stty', ['-F', path, 'rows', String(size.rows), 'cols', String(size.cols)], { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

/**
 * Resizes the pty of a running one-off: the latest size wins, one `stty` at a time. Before
 * `script` has opened the pty (the first few milliseconds), the size is retried a few times.
 */
export class PtyResizer {
  private wanted: TtySize | null = null;
  private running = false;
  private closed = false;

  constructor(private readonly pid: () => number | null) {}

  resize(size: TtySize): void {
    if (this.closed) return;
    this.wanted = clampSize(size);
    if (!this.running) void this.drain();
  }

  close(): void {
    this.closed = true;
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let attempt = 0; this.wanted && !this.closed; ) {
        const size = this.wanted;
        const leader = this.pid();
        const pid = leader === null ? null : scriptPid(leader);
        const slave = pid === null ? null : slavePath(pid);
        if (pid !== null && slave !== null && (await stty(`/proc/${pid}/root${slave}`, size))) {
          if (this.wanted === size) this.wanted = null;
          attempt = 0;
          continue;
        }
        if (++attempt >= 40) {
          this.wanted = null;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      this.running = false;
    }
  }
}
