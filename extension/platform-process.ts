/**
 * The platform process as this window sees it: attach to the one `platform.json` names, or
 * start the bundled `dist/platform.js` with the extension host's own runtime
 * (`process.execPath`, `ELECTRON_RUN_AS_NODE=1`). A platform this window started is "owned":
 * it is restarted when it dies (a bounded number of times) and stopped on deactivate. One
 * started elsewhere (the CLI, another window) is only attached to, and is never stopped on
 * deactivate.
 *
 * Starting and waiting are platform/discovery/start.ts, shared with the CLI. A platform started
 * or stopped elsewhere is noticed by a watcher on `$SLIPWAY_HOME` (platform.json written or
 * removed).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, watch, type FSWatcher } from 'node:fs';
import * as vscode from 'vscode';
import { homePaths, type HomePaths } from '../platform/discovery/home';
import { pidAlive, type PlatformFile } from '../platform/discovery/platform-file';
import { PlatformStartError, runningPlatform, startPlatform, waitForExit } from '../platform/discovery/start';
import type { PlatformSettings } from './config';

export { PlatformStartError };

export type PlatformState = 'stopped' | 'starting' | 'running' | 'error';

export interface CrashReport {
  exit: string;
  attempt: number;
  maxAttempts: number;
  /** False once the retries are used up: the platform stays down. */
  restarting: boolean;
}

export interface PlatformProcessOptions {
  /** Absolute path of the bundled platform (dist/platform.js). */
  script: string;
  settings: PlatformSettings;
  log(line: string): void;
  /** An owned platform died on its own; the UI tells the user. */
  onCrash?(report: CrashReport): void;
  /** How long a start may take before it counts as failed. */
  startTimeoutMs?: number;
  /** Restarts after a crash within `crashWindowMs` before giving up. */
  maxRestarts?: number;
  crashWindowMs?: number;
}

export class PlatformNotRunningError extends Error {
  constructor(home: string) {
    super(`the Slipway platform is not running (home ${home})`);
    this.name = 'PlatformNotRunningError';
  }
}

export class PlatformProcess implements vscode.Disposable {
  readonly paths: HomePaths;
  private _state: PlatformState = 'stopped';
  private _info: PlatformFile | null = null;
  private child: ChildProcess | null = null;
  private starting: Promise<PlatformFile> | null = null;
  private stopRequested = false;
  private disposed = false;
  private crashes: number[] = [];
  private restartTimer: NodeJS.Timeout | null = null;
  private watcher: FSWatcher | null = null;
  private readonly stateEmitter = new vscode.EventEmitter<PlatformState>();
  readonly onDidChangeState = this.stateEmitter.event;
  lastError: string | null = null;

  constructor(private readonly opts: PlatformProcessOptions) {
    this.paths = homePaths(opts.settings.home);
  }

  get state(): PlatformState {
    return this._state;
  }

  /** The running platform (url, routerUrl, pid, version), or null. */
  get info(): PlatformFile | null {
    return this._info;
  }

  /** True when this window started the platform (and so restarts and stops it). */
  get owned(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get home(): string {
    return this.paths.root;
  }

  /** Sets the state; listeners hear about a new state, and about a different platform in the same state. */
  private setState(state: PlatformState, info: PlatformFile | null = this._info): void {
    const next = state === 'running' ? info : null;
    const samePlatform = next?.pid === this._info?.pid;
    this._info = next;
    if (state !== 'error') this.lastError = null;
    if (this._state === state && samePlatform) return;
    this._state = state;
    this.stateEmitter.fire(state);
  }

  /** Starts watching $SLIPWAY_HOME and attaches to a running platform if there is one. Cheap: no process is started. */
  init(): void {
    this.watchHome();
    this.attach();
  }

  private watchHome(): void {
    if (this.watcher || this.disposed) return;
    try {
      mkdirSync(this.paths.root, { recursive: true, mode: 0o700 });
      this.watcher = watch(this.paths.root, { persistent: false }, (_event, name) => {
        if (name === null || String(name).startsWith('platform.json')) this.onHomeChanged();
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = null;
      });
    } catch (err) {
      this.opts.log(`cannot watch ${this.paths.root} (${(err as Error).message}); platform changes made outside this window show on the next action`);
    }
  }

  private onHomeChanged(): void {
    if (this.starting || this.disposed) return;
    const running = this.runningFile();
    if (running && (this._state !== 'running' || running.pid !== this._info?.pid)) {
      this.opts.log(`attached to the platform started elsewhere: pid ${running.pid}, ${running.url}`);
      this.setState('running', running);
    } else if (!running && this._state === 'running' && !this.owned) {
      this.opts.log('the platform this window was attached to has stopped');
      this.setState('stopped');
    }
  }

  /** platform.json, if it names a live process. */
  private runningFile(): PlatformFile | null {
    return runningPlatform(this.paths);
  }

  /** Attaches to the platform platform.json names, if it is alive. */
  attach(): PlatformFile | null {
    const info = this.runningFile();
    if (info) {
      if (this._info?.pid !== info.pid) this.opts.log(`attached to the running platform: pid ${info.pid}, ${info.url} (home ${this.home})`);
      this.setState('running', info);
    } else if (this._state === 'running') {
      this.setState('stopped');
    }
    return info;
  }

  /**
   * Re-reads platform.json (after a request could not reach the platform, or on Refresh): picks
   * up a platform started elsewhere, or notices that the attached one is gone. An owned
   * platform reports its own exit.
   */
  check(): void {
    if (this.starting || (this.owned && this._state === 'running')) return;
    this.attach();
  }

  /** The running platform: attaches, or starts one when `start` (else throws PlatformNotRunningError). */
  async ensure(opts: { start: boolean }): Promise<PlatformFile> {
    if (this.starting) return this.starting;
    if (this._state === 'running' && this._info && pidAlive(this._info.pid)) return this._info;
    const attached = this.attach();
    if (attached) return attached;
    if (!opts.start) throw new PlatformNotRunningError(this.home);
    return this.start();
  }

  /**
   * Starts the bundled platform (or attaches, when one is already running). With `defer`, the
   * state is "starting" at once but the process is spawned on the next turn of the event loop
   * (activate must not pay for a fork).
   */
  start(opts: { defer?: boolean } = {}): Promise<PlatformFile> {
    if (this.starting) return this.starting;
    const running = this.attach();
    if (running) return Promise.resolve(running);
    this.stopRequested = false;
    this.setState('starting');
    const started = opts.defer ? new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.spawnAndWait()) : this.spawnAndWait();
    this.starting = started.finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private args(): string[] {
    const { apiPort, routerPort } = this.opts.settings;
    return [...(apiPort !== null ? ['--port', String(apiPort)] : []), ...(routerPort !== null ? ['--router-port', String(routerPort)] : [])];
  }

  private async spawnAndWait(): Promise<PlatformFile> {
    const { script } = this.opts;
    this.watchHome();
    this.setState('starting');
    const t0 = performance.now();
    let started: ReturnType<typeof startPlatform>;
    try {
      // Detached: its own process group, so the platform (and the dynos it supervises) outlive
      // a crash of the extension host and are attached to by the next window. Owned: this
      // window keeps the handle, restarts it when it dies and stops it on deactivate.
      started = startPlatform({ script, paths: this.paths, args: this.args(), env: { ELECTRON_RUN_AS_NODE: '1' }, timeoutMs: this.opts.startTimeoutMs ?? 30000 });
    } catch (err) {
      const msg = err instanceof PlatformStartError && err.code === 'platform_missing'
        ? `the bundled platform ${script} is missing (a broken install: reinstall the extension, or run "npm run build" in a development checkout)`
        : (err as Error).message;
      this.fail(msg);
      throw new PlatformStartError('platform_missing', msg, this.paths.log);
    }
    const { child } = started;
    this.child = child;
    this.opts.log(`starting the platform: ${process.execPath} ${[script, ...this.args()].join(' ')} (home ${this.home}, log ${this.paths.log})`);
    let ready = false;
    void started.exited.then((exit) => {
      if (this.child === child) this.child = null;
      if (ready) this.onOwnedExit(exit);
    });
    try {
      const info = await started.ready;
      ready = true;
      this.opts.log(`platform ready in ${Math.round(performance.now() - t0)} ms: pid ${info.pid}, API ${info.url}, router ${info.routerUrl}`);
      this.setState('running', info);
      return info;
    } catch (err) {
      // Another window or the CLI may have won the race for this home: attach to its platform.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const other = this.runningFile();
      if (other) {
        this.opts.log(`another platform started on this home first (pid ${other.pid}); attaching to it`);
        this.setState('running', other);
        return other;
      }
      const msg = (err as Error).message;
      this.fail(msg);
      throw err instanceof PlatformStartError ? err : new PlatformStartError('platform_start_failed', msg, this.paths.log);
    }
  }

  private fail(message: string): void {
    this.opts.log(`platform error: ${message}`);
    this.setState('error');
    this.lastError = message;
  }

  /** An owned platform exited after it had been ready. */
  private onOwnedExit(exit: string): void {
    if (this.stopRequested || this.disposed) {
      this.opts.log(`platform stopped (${exit})`);
      this.setState('stopped');
      return;
    }
    const now = Date.now();
    const window = this.opts.crashWindowMs ?? 5 * 60_000;
    const max = this.opts.maxRestarts ?? 3;
    this.crashes = [...this.crashes.filter((t) => now - t < window), now];
    const attempt = this.crashes.length;
    const restarting = attempt <= max;
    this.opts.log(`the platform exited unexpectedly (${exit})${restarting ? `; restarting (attempt ${attempt} of ${max})` : `; not restarting after ${max} attempts`}`);
    this.opts.onCrash?.({ exit, attempt, maxAttempts: max, restarting });
    if (!restarting) {
      this.fail(`the platform exited unexpectedly (${exit}) ${max} times within ${Math.round(window / 60000)} minutes; it was not restarted again`);
      return;
    }
    this.setState('starting');
    // Immediately the first time, then a short, growing pause so a crash loop does not spin.
    const delay = attempt === 1 ? 0 : 500 * 2 ** (attempt - 2);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.start().catch(() => {
        // start() already recorded the error and the state
      });
    }, delay);
  }

  /** Stops the platform: an owned one with SIGTERM, one started elsewhere over the API (`stopViaApi`). */
  async stop(stopViaApi?: () => Promise<unknown>, timeoutMs = 40000): Promise<void> {
    this.stopRequested = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    if (this.starting) await this.starting.catch(() => undefined);
    const child = this.child;
    const pid = child?.pid ?? this._info?.pid;
    if (!pid || !pidAlive(pid)) {
      this.setState('stopped');
      return;
    }
    if (child && this.owned) child.kill('SIGTERM');
    else if (stopViaApi) await stopViaApi();
    else process.kill(pid, 'SIGTERM');
    await waitForExit(pid, timeoutMs);
    this.opts.log(`platform stopped (pid ${pid})`);
    this.setState('stopped');
  }

  /** Deactivate: stop the platform only if this window started it. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    const wasOwned = this.owned;
    const child = this.child;
    this.disposed = true;
    this.stopRequested = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.watcher?.close();
    this.watcher = null;
    if (wasOwned && child?.pid) {
      this.opts.log(`stopping the platform this window started (pid ${child.pid})`);
      child.kill('SIGTERM');
      // The platform closes its dynos with grace on its own; wait a little, not the whole grace.
      await waitForExit(child.pid, 4000);
    }
    this.stateEmitter.dispose();
  }
}
