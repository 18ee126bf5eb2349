/**
 * One dyno process, from spawn to its last line of output: its own session and process
 * group (sandboxed or plain, see sandbox.ts), output split into log lines (or piped to an
 * attached one-off's streams), a crash-recovery record while it runs, and the stop sequence:
 * SIGTERM to the whole group, the grace period, then SIGKILL with `Error R12`.
 *
 * `done` resolves when the command has exited, no process of its group runs any more and its
 * output is drained; then `Process exited with status N` is logged (N is 128 + the signal's
 * number for a signal, as a shell reports it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { LineSplitter } from '../logs/splitter';
import type { PidRecords } from './pid-records';
import { processStartTime } from './pid-records';
import { groupMembers, handlesSignal, signalGroup, signalProcess, waitGroupsGone } from './process-group';
import type { DynoLaunch } from './sandbox';
import type { DynoLogSource, OneOffIo } from './types';

/** After the group is gone, how long output may still trickle in (a daemon outside the group). */
const DRAIN_MS = 1000;

export interface DynoExit {
  /** The command's exit status; null when it never started. */
  status: number | null;
  /** It was killed with SIGKILL by the platform (R10, R12). */
  killed: boolean;
}

export interface DynoProcessSpec {
  app: string;
  name: string;
  command: string;
  launch: DynoLaunch;
  env: Record<string, string>;
  /** Attached streams (a one-off); without them, output goes to the log line by line. */
  io?: OneOffIo;
  records: PidRecords;
  recordId: string;
  log(source: DynoLogSource, message: string): void;
  /** Runs once the process has ended, before `done` resolves (removes the dyno's copy). */
  cleanup?: () => Promise<void>;
}

const signalStatus = (signal: NodeJS.Signals | null) => (signal ? 128 + (constants.signals[signal] ?? 0) : null);

export class DynoProcess {
  readonly startedAt = Date.now();
  /** Resolves true once the process runs, false when it could not be started. */
  readonly spawned: Promise<boolean>;
  readonly done: Promise<DynoExit>;

  private readonly child: ChildProcess;
  private leader: number | null = null;
  private inner: number | null = null;
  private readonly innerKnown: Promise<void>;
  private stopRequested = false;
  private killed = false;
  private stopping: Promise<DynoExit> | null = null;
  /** The sandbox's pid 1 was killed in place of a SIGTERM it could not receive. */
  private terminatedPid1 = false;
  private finished = false;

  constructor(private readonly spec: DynoProcessSpec) {
    const { launch, io } = spec;
    spec.log('slipway', `Starting process with command \`${spec.command}\``);
    const stdio: ('pipe' | 'ignore')[] = [io?.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'];
    if (launch.statusFd) stdio.push('pipe');
    this.child = spawn(launch.file, launch.args, { cwd: launch.cwd, env: spec.env, detached: true, stdio });
    const child = this.child;

    let resolveSpawned!: (ok: boolean) => void;
    this.spawned = new Promise((r) => (resolveSpawned = r));
    let resolveInner!: () => void;
    this.innerKnown = new Promise((r) => (resolveInner = r));
    if (!launch.statusFd) resolveInner();

    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? signalStatus(signal)));
      child.once('error', (err) => {
        if (this.leader !== null) return; // a failed kill(2) after the start: nothing to do
        spec.log('slipway', `Process failed to start: ${err.message}`);
        resolve(null);
      });
    });
    child.once('spawn', () => {
      this.leader = child.pid ?? null;
      this.writeRecord();
      resolveSpawned(true);
    });
    void exited.then(() => {
      resolveSpawned(false);
      resolveInner();
    });

    this.wireOutput(child.stdout, 'stdout');
    this.wireOutput(child.stderr, 'stderr');
    if (io?.stdin && child.stdin) {
      const stdin = child.stdin;
      stdin.on('error', () => {}); // the command stopped reading
      io.stdin.pipe(stdin);
      void exited.then(() => io.stdin?.unpipe(stdin));
    }
    const status = child.stdio[3] as Readable | null | undefined;
    if (launch.statusFd && status) {
      let text = '';
      status.setEncoding('utf8');
      status.on('data', (chunk: string) => {
        if (this.inner !== null) return;
        text += chunk;
        const m = /"child-pid"\s*:\s*(\d+)/.exec(text);
        if (m) {
          this.inner = Number(m[1]);
          this.writeRecord();
          resolveInner();
        }
      });
      status.on('error', () => {});
    }

    this.done = exited.then((status) => this.finish(status, closed));
  }

  /** The process group that gets SIGTERM (a sandboxed dyno: its session inside bwrap). */
  get pid(): number | null {
    return this.inner ?? this.leader;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** SIGTERM to the group; SIGKILL and R12 when it has not ended after `graceS`. */
  stop(graceS: number): Promise<DynoExit> {
    this.stopping ??= this.runStop(graceS);
    return this.stopping;
  }

  /** SIGKILL to every group now (a boot timeout). */
  kill(): void {
    this.stopRequested = true;
    this.killed = true;
    this.signalAll('SIGKILL');
  }

  private async runStop(graceS: number): Promise<DynoExit> {
    this.stopRequested = true;
    if (!(await this.spawned) || this.finished) return this.done;
    await Promise.race([this.innerKnown, this.done]);
    if (this.finished) return this.done;
    this.spec.log('slipway', 'Stopping all processes with SIGTERM');
    const pid1 = this.inner;
    // A sandbox's pid 1 (the shell, or a command started with `exec`) does not receive a
    // SIGTERM it has no handler for; outside a pid namespace it would die of it. It is stopped
    // instead (no further commands, no new children), and killed once the rest of its group
    // has ended: as if SIGTERM had ended it (status 143). The group never loses its pid 1
    // (which would SIGKILL the app mid-shutdown) and no child is started after the signal.
    const frozen = pid1 !== null && !handlesSignal(pid1, 'SIGTERM') && signalProcess(pid1, 'SIGSTOP');
    const target = pid1 ?? this.leader;
    if (target !== null) signalGroup(target, 'SIGTERM');
    if (frozen && pid1 !== null) void this.endPid1WhenAlone(pid1);
    const timer = setTimeout(() => {
      if (this.finished) return;
      this.spec.log('slipway', `Error R12 (Exit timeout) -> At least one process failed to exit within ${graceS} seconds of SIGTERM`);
      this.spec.log('slipway', 'Stopping process with SIGKILL');
      this.killed = true;
      this.signalAll('SIGKILL');
    }, graceS * 1000);
    try {
      return await this.done;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL to the stopped pid 1 once it is the last process of its group. */
  private async endPid1WhenAlone(pid1: number): Promise<void> {
    while (!this.finished && !this.killed) {
      // Its group may not exist yet: stopped before bwrap's setsid, pid 1 is all there is.
      if (groupMembers(pid1).every((pid) => pid === pid1)) {
        this.terminatedPid1 = true;
        signalProcess(pid1, 'SIGKILL');
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private groups(): number[] {
    return [this.inner, this.leader].filter((g): g is number => g !== null);
  }

  private signalAll(signal: NodeJS.Signals): void {
    for (const g of this.groups()) signalGroup(g, signal);
  }

  private wireOutput(stream: Readable | null, name: 'stdout' | 'stderr'): void {
    if (!stream) return;
    const io = this.spec.io;
    if (io) {
      stream.pipe(name === 'stdout' ? io.stdout : io.stderr, { end: false });
      return;
    }
    const splitter = new LineSplitter((line) => this.spec.log('app', line));
    stream.on('data', (chunk: Buffer) => splitter.push(chunk));
    stream.on('end', () => splitter.end());
    stream.on('error', () => splitter.end());
  }

  private writeRecord(): void {
    const groups: Record<string, string | null> = {};
    for (const g of this.groups()) groups[String(g)] = processStartTime(g);
    try {
      this.spec.records.write(this.spec.recordId, { app: this.spec.app, dyno: this.spec.name, groups, term: this.pid });
    } catch (err) {
      this.spec.log('slipway', `Warning: could not record the process for crash recovery: ${(err as Error).message}`);
    }
  }

  private async finish(exitStatus: number | null, closed: Promise<void>): Promise<DynoExit> {
    const groups = this.groups();
    if (exitStatus !== null) {
      // The command is over: whatever it left behind in its group goes too (a sandbox does
      // this by itself when its pid 1 exits). While stopping, the rest gets its grace period.
      if (!this.stopRequested) for (const g of groups) signalGroup(g, 'SIGKILL');
      await waitGroupsGone(groups);
    }
    let status = exitStatus;
    // R10, R12: SIGKILL is what ended the dyno (a plain shell may have died of SIGTERM before).
    if (status !== null && this.killed) status = 128 + constants.signals.SIGKILL;
    else if (status === 128 + constants.signals.SIGKILL && this.terminatedPid1) status = 128 + constants.signals.SIGTERM;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_MS)))]);
    clearTimeout(timer);
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
    this.finished = true;
    this.spec.records.remove(this.spec.recordId);
    if (status !== null) this.spec.log('slipway', `Process exited with status ${status}`);
    await this.spec.cleanup?.().catch(() => {});
    return { status, killed: this.killed };
  }
}
