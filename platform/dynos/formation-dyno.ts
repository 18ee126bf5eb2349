/**
 * One dyno of the formation (`web.1` of release v7) across the processes it runs: start,
 * `up` (a web dyno once its PORT accepts connections, any other once it runs), the boot
 * timeout (R10), crash and restart with back-off (crash-backoff.ts), manual restart, and
 * retirement (scale down, a new release, platform stop). A process of a retired dyno is
 * stopped and never replaced.
 */
import { crashesInARow, restartDelayMs } from './crash-backoff';
import type { DynoProcess } from './dyno';
import { waitUntilAccepting } from './ports';
import type { DynoInfo, DynoSettings, DynoState, ReleaseSpec } from './types';

export interface FormationHost {
  readonly sandboxed: boolean;
  settings(): DynoSettings;
  /** A process for the dyno (its own slug copy, port, environment); null when that failed (logged). */
  launch(dyno: FormationDyno): Promise<{ proc: DynoProcess; port: number } | null>;
  changed(dyno: FormationDyno): void;
  log(dyno: FormationDyno, message: string): void;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class FormationDyno {
  readonly name: string;
  readonly command: string;
  state: DynoState = 'starting';
  since = Date.now();
  restarts = 0;
  nextRestartAt: number | null = null;
  port: number | null = null;
  /** Has been up, or has crashed, at least once: its first boot is over (preboot waits for this). */
  booted = false;

  private crashes = 0;
  private upAt: number | null = null;
  private proc: DynoProcess | null = null;
  private timer: NodeJS.Timeout | null = null;
  private boot: AbortController | null = null;
  private launching: Promise<void> = Promise.resolve();
  /** A restart is stopping the current process: its exit is not a crash. */
  private cycling = false;
  private retired = false;
  private retirement: Promise<void> | null = null;

  constructor(
    private readonly host: FormationHost,
    readonly release: ReleaseSpec,
    readonly type: string,
    readonly number: number,
  ) {
    this.name = `${type}.${number}`;
    this.command = release.processTypes[type] ?? '';
  }

  /** Starts the first process; resolves once it is spawned. */
  start(): Promise<void> {
    this.launching = this.launch();
    return this.launching;
  }

  /**
   * Stops the current process and starts a new one (resolves once the stop has begun).
   * `restart` is `ps:restart` (logged, and the crash back-off starts over); `stop` is
   * `ps:stop` of a formation dyno, which Heroku restarts.
   */
  restart(kind: 'restart' | 'stop'): void {
    if (this.retired) return;
    this.clearTimer();
    if (kind === 'restart') {
      this.crashes = 0;
      this.host.log(this, 'Restarting');
    }
    this.setState('starting');
    this.cycling = true;
    const previous = this.launching;
    this.launching = (async () => {
      await previous;
      const current = this.proc;
      if (current) await current.stop(this.host.settings().stopGraceS);
      this.cycling = false;
      if (this.retired) return;
      this.restarts++;
      await this.launch();
    })();
  }

  /** Stops the dyno for good: state `down`, SIGTERM, grace, SIGKILL. */
  retire(): Promise<void> {
    this.retirement ??= (async () => {
      this.retired = true;
      this.clearTimer();
      this.boot?.abort();
      this.setState('down');
      await this.launching;
      const proc = this.proc;
      if (proc) await proc.stop(this.host.settings().stopGraceS);
    })();
    return this.retirement;
  }

  get isRetired(): boolean {
    return this.retired;
  }

  info(): DynoInfo {
    return {
      name: this.name,
      type: this.type,
      state: this.state,
      port: this.port,
      pid: this.proc?.pid ?? null,
      release: this.release.version,
      since: iso(this.since),
      restarts: this.restarts,
      nextRestartAt: this.nextRestartAt === null ? null : iso(this.nextRestartAt),
      sandboxed: this.host.sandboxed,
      command: this.command,
    };
  }

  private async launch(): Promise<void> {
    if (this.retired) return;
    this.setState('starting');
    const launched = await this.host.launch(this);
    if (!launched) {
      if (!this.retired) this.crash();
      return;
    }
    const { proc, port } = launched;
    this.proc = proc;
    this.port = port;
    this.host.changed(this);
    void proc.done.then(() => this.exited(proc));
    if (!(await proc.spawned) || this.retired || this.proc !== proc) return;
    if (this.type === 'web') void this.watchBoot(proc, port);
    else this.becameUp();
  }

  private async watchBoot(proc: DynoProcess, port: number): Promise<void> {
    const boot = new AbortController();
    this.boot = boot;
    const timeoutS = this.host.settings().bootTimeoutS;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      boot.abort();
    }, timeoutS * 1000);
    const up = await waitUntilAccepting(port, boot.signal);
    clearTimeout(timer);
    if (this.boot === boot) this.boot = null;
    if (this.proc !== proc || this.retired || this.cycling) return;
    if (up) {
      this.becameUp();
    } else if (timedOut && !proc.isFinished) {
      this.host.log(this, `Error R10 (Boot timeout) -> Web process failed to bind to $PORT within ${timeoutS} seconds of launch`);
      this.host.log(this, 'Stopping process with SIGKILL');
      proc.kill();
    }
  }

  private becameUp(): void {
    this.upAt = Date.now();
    this.booted = true;
    this.setState('up');
  }

  private exited(proc: DynoProcess): void {
    if (this.proc !== proc) return;
    this.proc = null;
    this.port = null;
    this.boot?.abort();
    if (this.retired || this.cycling) {
      this.host.changed(this);
      return;
    }
    this.crash();
  }

  /** Any exit of a formation dyno is a crash: state `crashed` until the next start. */
  private crash(): void {
    const now = Date.now();
    this.crashes = crashesInARow(this.crashes, this.upAt === null ? null : now - this.upAt);
    this.upAt = null;
    this.booted = true;
    const delay = restartDelayMs(this.crashes);
    this.clearTimer();
    this.nextRestartAt = now + delay;
    this.setState('crashed', now);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.retired) return;
      this.nextRestartAt = null;
      this.restarts++;
      this.launching = this.launch();
    }, delay);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.nextRestartAt = null;
  }

  private setState(next: DynoState, at = Date.now()): void {
    const previous = this.state;
    if (previous === next) return;
    this.state = next;
    this.since = at;
    this.host.log(this, `State changed from ${previous} to ${next}`);
    this.host.changed(this);
  }
}
