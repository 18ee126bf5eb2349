/**
 * The dyno manager: makes each app run its release with its formation (PLATFORM.md, Dynos),
 * runs the release phase and one-off dynos, and answers `ps`, the router (webTargets) and
 * the editor (onChange). Operations that change an app's formation dynos are serialized
 * per app; one-offs run beside them.
 *
 * Layout: appsDir/NAME/dynos/slugs/KEY (read-only slug cache, slug-cache.ts) and
 * appsDir/NAME/dynos/run/DYNO-XXXXXXXX (each process's own copy, removed when it ends);
 * stateDir holds one crash-recovery record per running process (pid-records.ts).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { notFound, PlatformError } from '../errors';
import { DynoProcess } from './dyno';
import { dynoEnv } from './environment';
import { FormationDyno, type FormationHost } from './formation-dyno';
import { isRecordedGroup, PidRecords } from './pid-records';
import { PortPool } from './ports';
import { clampSize, hangUp, ptyAvailable, ptyCommand, PtyResizer, PtySession, type TtySize } from './pty';
import { groupAlive, signalGroup, waitGroupsGone } from './process-group';
import { detectSandbox, plainLauncher, type Launcher } from './sandbox';
import { removeTree, SlugCache } from './slug-cache';
import type { DynoInfo, DynoManagerOptions, DynoSettings, DynoState, OneOffIo, OneOffRun, ReleaseSpec } from './types';
import { AppLocks } from '../store/app-lock';

export type { DynoInfo, DynoManagerOptions, DynoSettings, DynoState, OneOffIo, OneOffRun, ReleaseSpec } from './types';

/** A one-off dyno (`run.NNNN`) or the release phase (`release`). */
interface OneOff {
  name: string;
  type: string;
  release: ReleaseSpec;
  command: string;
  proc: DynoProcess;
  port: number;
  state: DynoState;
  since: number;
  /** A tty one-off: closes its pty before it is stopped (pty.ts). */
  hangUp?: () => void;
}

interface AppDynos {
  app: string;
  release: ReleaseSpec | null;
  formation: Record<string, number>;
  /** The current release's formation dynos, by name. */
  current: Map<string, FormationDyno>;
  /** Preboot: the previous release's web dynos, serving until the new ones have booted. */
  serving: FormationDyno[] | null;
  /** Dynos being stopped. */
  retiring: Set<FormationDyno>;
  oneOffs: Map<string, OneOff>;
  cache: SlugCache;
}

const dynoNumber = (name: string) => {
  const n = Number(name.slice(name.lastIndexOf('.') + 1));
  return Number.isFinite(n) ? n : 0;
};

function byTypeThenNumber(a: DynoInfo, b: DynoInfo): number {
  if (a.type !== b.type) return a.type < b.type ? -1 : 1;
  return dynoNumber(a.name) - dynoNumber(b.name) || a.release - b.release;
}

/** The counts to run: positive, for process types the release has (never `release`). */
function wantedCounts(release: ReleaseSpec, formation: Record<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [type, n] of Object.entries(formation)) {
    if (type === 'release' || !Object.hasOwn(release.processTypes, type)) continue;
    if (Number.isInteger(n) && n > 0) out.set(type, n);
  }
  return out;
}

export class DynoManager {
  private launcherFound: Launcher | undefined;
  private readonly records: PidRecords;
  private readonly ports = new PortPool();
  private readonly apps = new Map<string, AppDynos>();
  /** The app's operations (apply, restart, stop) one after the other; other apps side by side. */
  private readonly queue = new AppLocks();
  /** Records of this manager's own processes (recover() leaves them alone). */
  private readonly ownRecords = new Set<string>();
  private readonly host: FormationHost;
  private closing = false;

  constructor(private readonly opts: DynoManagerOptions) {
    this.records = new PidRecords(opts.stateDir);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the host's getter reads the manager's
    const manager = this;
    this.host = {
      get sandboxed() {
        return manager.sandboxed;
      },
      settings: () => this.settings(),
      launch: async (d) => {
        try {
          return await this.launch(d.release, d.name, d.command);
        } catch (err) {
          this.opts.log(d.release.app, 'slipway', d.name, `Error: the dyno could not start: ${(err as Error).message}`);
          return null;
        }
      },
      changed: (d) => this.changed(d.release.app),
      log: (d, message) => this.opts.log(d.release.app, 'slipway', d.name, message),
    };
  }

  /**
   * How dyno commands start: in bubblewrap when it works here (unless `sandbox: false`), else
   * plainly. Probed on first use (a synchronous bwrap run of about 20 ms, once per process),
   * not at platform start: the API answers first.
   */
  private get launcher(): Launcher {
    if (this.launcherFound === undefined) {
      const sandbox = this.opts.sandbox === false ? null : detectSandbox('bwrap', this.opts.hide);
      if (this.opts.sandbox === true && !sandbox) {
        throw new PlatformError('sandbox_unavailable', 'bubblewrap (bwrap) is not installed or does not work here', 500);
      }
      this.launcherFound = sandbox ?? plainLauncher;
    }
    return this.launcherFound;
  }

  /** Whether dynos (and so builds and the release phase) run in the bubblewrap sandbox. */
  get sandboxed(): boolean {
    return this.launcher.sandboxed;
  }

  /** Kills the process groups that a previous run of the platform left behind (call once, at start). */
  async recover(): Promise<{ killed: number[] }> {
    const found: { id: string; term: number | null; groups: number[] }[] = [];
    for (const { id, record } of this.records.list()) {
      if (this.ownRecords.has(id)) continue;
      const groups = Object.keys(record.groups)
        .map(Number)
        .filter((g) => groupAlive(g) && isRecordedGroup(record, g));
      found.push({ id, term: record.term, groups });
    }
    const killed = found.flatMap((f) => f.groups);
    if (killed.length > 0) {
      for (const f of found) {
        const term = f.term !== null && f.groups.includes(f.term) ? f.term : f.groups[0];
        if (term !== undefined) signalGroup(term, 'SIGTERM');
      }
      await waitGroupsGone(killed, AbortSignal.timeout(this.settings().stopGraceS * 1000));
      for (const g of killed) if (groupAlive(g)) signalGroup(g, 'SIGKILL');
      await waitGroupsGone(killed, AbortSignal.timeout(5000));
    }
    for (const f of found) this.records.remove(f.id);
    let apps: string[] = [];
    try {
      apps = readdirSync(this.opts.appsDir);
    } catch {
      // no apps yet
    }
    await Promise.all(apps.filter((app) => !this.apps.has(app)).map((app) => removeTree(join(this.dynosDir(app), 'run'))));
    return { killed };
  }

  async apply(release: ReleaseSpec, formation: Record<string, number>): Promise<void> {
    this.assertOpen();
    const app = release.app;
    await this.serial(app, async () => {
      const st = this.state(app);
      await st.cache.prepare(release.slugPath);
      const wanted = wantedCounts(release, formation);
      st.formation = { ...formation };
      if (st.release !== null && st.release.version === release.version) {
        st.release = release;
        await this.scale(st, wanted);
      } else {
        await this.replace(st, release, wanted);
      }
      this.checkPreboot(st);
    });
    this.opts.onChange(app);
    await this.routesSettled(app);
  }

  private routesSettled(app: string): Promise<void> {
    return this.opts.routesChanged?.(app) ?? Promise.resolve();
  }

  async runReleasePhase(release: ReleaseSpec): Promise<{ ok: boolean; code: number | null; timedOut: boolean }> {
    const command = release.processTypes.release;
    if (command === undefined) return { ok: true, code: null, timedOut: false };
    this.assertOpen();
    const one = await this.startOneOff(release, 'release', 'release', command);
    const timeoutS = this.settings().releasePhaseTimeoutS;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.opts.log(release.app, 'slipway', one.name, `Release command timed out after ${timeoutS} seconds`);
      void one.proc.stop(this.settings().stopGraceS);
    }, timeoutS * 1000);
    const exit = await one.proc.done;
    clearTimeout(timer);
    return { ok: !timedOut && exit.status === 0, code: timedOut ? null : exit.status, timedOut };
  }

  /**
   * A one-off dyno attached to `io`. With `tty` (and a pty available here, pty.ts), the command
   * runs on a pseudo-terminal of that size: `io.stdin` feeds its keyboard, `io.stdout` gets the
   * terminal's output (stdout and stderr together, as on a terminal), and `resize` changes its
   * size. Otherwise stdin, stdout and stderr are pipes.
   */
  async runOneOff(
    release: ReleaseSpec,
    command: string,
    io: OneOffIo,
    extraEnv?: Record<string, string>,
    opts: { tty?: TtySize } = {},
  ): Promise<OneOffRun> {
    this.assertOpen();
    const st = this.state(release.app);
    let name: string;
    do name = `run.${randomInt(1000, 10000)}`;
    while (st.oneOffs.has(name));
    const tty = opts.tty && ptyAvailable() ? clampSize(opts.tty) : null;
    const env = tty ? { ...extraEnv, COLUMNS: String(tty.cols), LINES: String(tty.rows) } : extraEnv;
    const launched = tty ? ptyCommand(command, tty) : command;
    const one = await this.startOneOff(release, name, 'run', command, io, env, launched);
    // However it ends, nothing of the command's pty session outlives it (pty.ts, Leftovers).
    const session = tty ? new PtySession(() => (one.proc.isFinished ? null : one.proc.pid)) : null;
    const exit = one.proc.done.then((e) => {
      session?.end();
      return e.status ?? 127;
    });
    if (!tty) return { name: one.name, tty: false, exit, resize: () => {} };
    one.hangUp = () => {
      const pid = one.proc.isFinished ? null : one.proc.pid;
      if (pid !== null) hangUp(pid);
    };
    const resizer = new PtyResizer(() => (one.proc.isFinished ? null : one.proc.pid));
    void exit.then(() => resizer.close());
    return { name: one.name, tty: true, exit, resize: (size) => resizer.resize(size) };
  }

  async restart(app: string, target?: string): Promise<DynoInfo[]> {
    return this.serial(app, () => {
      const st = this.apps.get(app);
      let dynos = st ? [...st.current.values()] : [];
      if (target !== undefined) {
        dynos = dynos.filter((d) => (target.includes('.') ? d.name === target : d.type === target));
        if (dynos.length === 0) throw notFound('dyno_not_found', `No such dyno or process type: ${target}`);
      }
      for (const d of dynos) d.restart('restart');
      return Promise.resolve(dynos.map((d) => d.info()).sort(byTypeThenNumber));
    });
  }

  async stop(app: string, dyno: string): Promise<DynoInfo[]> {
    return this.serial(app, () => {
      const st = this.apps.get(app);
      const one = st?.oneOffs.get(dyno);
      if (one) {
        one.hangUp?.();
        void one.proc.stop(this.settings().stopGraceS);
        return Promise.resolve([this.oneOffInfo(one)]);
      }
      const d = st?.current.get(dyno);
      if (!d) throw notFound('dyno_not_found', `No such dyno: ${dyno}`);
      d.restart('stop');
      return Promise.resolve([d.info()]);
    });
  }

  list(app: string): DynoInfo[] {
    const st = this.apps.get(app);
    if (!st) return [];
    const out = [...st.current.values()].map((d) => d.info());
    const names = new Set(out.map((d) => d.name));
    for (const d of [...(st.serving ?? []), ...st.retiring]) {
      if (names.has(d.name)) continue; // its successor of the same name is listed
      names.add(d.name);
      out.push(d.info());
    }
    for (const one of st.oneOffs.values()) out.push(this.oneOffInfo(one));
    return out.sort(byTypeThenNumber);
  }

  webTargets(app: string): { dyno: string; port: number }[] {
    const st = this.apps.get(app);
    if (!st) return [];
    const upWeb = (dynos: Iterable<FormationDyno>) =>
      [...dynos]
        .filter((d) => d.type === 'web' && d.state === 'up' && d.port !== null)
        .sort((a, b) => a.number - b.number)
        .map((d) => ({ dyno: d.name, port: d.port as number }));
    if (st.serving) {
      const old = upWeb(st.serving);
      if (old.length > 0) return old;
    }
    return upWeb(st.current.values());
  }

  anyWebCrashed(app: string): boolean {
    const st = this.apps.get(app);
    return st ? [...st.current.values()].some((d) => d.type === 'web' && d.state === 'crashed') : false;
  }

  async stopApp(app: string): Promise<void> {
    if (this.apps.has(app)) {
      await this.serial(app, () => this.stopEverything(app));
      this.apps.delete(app);
      this.opts.onChange(app);
    }
    await removeTree(this.dynosDir(app));
  }

  async stopAll(): Promise<void> {
    this.closing = true;
    const apps = [...this.apps.keys()];
    await Promise.all(apps.map((app) => this.serial(app, () => this.stopEverything(app))));
    for (const app of apps) {
      this.apps.delete(app);
      this.opts.onChange(app);
    }
  }

  // ---- internals ----

  private settings(): DynoSettings {
    return this.opts.settings();
  }

  private assertOpen(): void {
    if (this.closing) throw new PlatformError('platform_stopping', 'the platform is stopping', 503);
  }

  private dynosDir(app: string): string {
    return join(this.opts.appsDir, app, 'dynos');
  }

  private state(app: string): AppDynos {
    let st = this.apps.get(app);
    if (!st) {
      st = {
        app,
        release: null,
        formation: {},
        current: new Map(),
        serving: null,
        retiring: new Set(),
        oneOffs: new Map(),
        cache: new SlugCache(join(this.dynosDir(app), 'slugs')),
      };
      this.apps.set(app, st);
    }
    return st;
  }

  /** Runs `fn` after the app's earlier operations (a failure does not block the next one). */
  private serial<T>(app: string, fn: () => Promise<T>): Promise<T> {
    return this.queue.run(app, fn);
  }

  /** A process of the release: its own slug copy, a port, the environment, spawned. */
  private async launch(release: ReleaseSpec, name: string, command: string, io?: OneOffIo, extraEnv?: Record<string, string>, launched = command) {
    const st = this.state(release.app);
    const suffix = randomBytes(4).toString('hex');
    const dir = join(this.dynosDir(release.app), 'run', `${name}-${suffix}`);
    await st.cache.copyTo(release.slugPath, dir);
    const port = await this.ports.take();
    const launch = this.launcher.launch(dir, launched);
    const recordId = `${release.app}.${name}.${suffix}`;
    this.ownRecords.add(recordId);
    const proc = new DynoProcess({
      app: release.app,
      name,
      command,
      launch,
      env: dynoEnv({ release, dyno: name, port, home: launch.home, extra: extraEnv }),
      io,
      records: this.records,
      recordId,
      log: (source, message) => this.opts.log(release.app, source, name, message),
      cleanup: async () => {
        this.ownRecords.delete(recordId);
        this.ports.give(port);
        await removeTree(dir).catch(() => {});
      },
    });
    await proc.spawned;
    return { proc, port };
  }

  /** `launched`: what the shell runs, when it wraps `command` (a pty, pty.ts). */
  private async startOneOff(release: ReleaseSpec, name: string, type: string, command: string, io?: OneOffIo, extraEnv?: Record<string, string>, launched = command): Promise<OneOff> {
    const st = this.state(release.app);
    const { proc, port } = await this.launch(release, name, command, io, extraEnv, launched);
    const one: OneOff = { name, type, release, command, proc, port, state: 'starting', since: Date.now() };
    const setState = (state: DynoState) => {
      const previous = one.state;
      if (previous === state) return;
      one.state = state;
      one.since = Date.now();
      this.opts.log(release.app, 'slipway', name, `State changed from ${previous} to ${state}`);
      this.opts.onChange(release.app);
    };
    st.oneOffs.set(name, one);
    if (!proc.isFinished) setState('up');
    void proc.done.then(() => {
      setState('down');
      if (st.oneOffs.get(name) === one) st.oneOffs.delete(name);
      this.opts.onChange(release.app);
    });
    return one;
  }

  private oneOffInfo(one: OneOff): DynoInfo {
    return {
      name: one.name,
      type: one.type,
      state: one.state,
      port: one.port,
      pid: one.proc.pid,
      release: one.release.version,
      since: new Date(one.since).toISOString(),
      restarts: 0,
      nextRestartAt: null,
      sandboxed: this.sandboxed,
      command: one.command,
    };
  }

  /** Same release: start missing dynos, stop extra ones (highest numbers first). */
  private async scale(st: AppDynos, wanted: Map<string, number>): Promise<void> {
    const extra = [...st.current.values()]
      .filter((d) => d.number > (wanted.get(d.type) ?? 0))
      .sort((a, b) => b.number - a.number);
    for (const d of extra) {
      st.current.delete(d.name);
      this.retire(st, d);
    }
    await Promise.all(this.addMissing(st, wanted).map((d) => d.start()));
  }

  /**
   * A new release: every dyno is replaced. With preboot, the old web dynos keep serving until
   * each new one has booted (up, or crashed trying); other types are replaced at once.
   */
  private async replace(st: AppDynos, release: ReleaseSpec, wanted: Map<string, number>): Promise<void> {
    let old = [...st.current.values()];
    st.current = new Map();
    st.release = release;
    const preboot = this.settings().preboot && (wanted.get('web') ?? 0) > 0;
    if (preboot && st.serving === null) {
      const oldWeb = old.filter((d) => d.type === 'web');
      if (oldWeb.some((d) => d.state === 'up')) {
        st.serving = oldWeb;
        old = old.filter((d) => d.type !== 'web');
      }
    } else if (!preboot && st.serving !== null) {
      old.push(...st.serving);
      st.serving = null;
    }
    // The new dynos exist before the old ones retire, so that preboot waits for them.
    const added = this.addMissing(st, wanted);
    for (const d of old) this.retire(st, d);
    await Promise.all(added.map((d) => d.start()));
  }

  /** Creates (does not start) the dynos of the formation that do not exist yet. */
  private addMissing(st: AppDynos, wanted: Map<string, number>): FormationDyno[] {
    const release = st.release;
    const added: FormationDyno[] = [];
    if (!release) return added;
    for (const [type, count] of wanted) {
      for (let n = 1; n <= count; n++) {
        const name = `${type}.${n}`;
        if (st.current.has(name)) continue;
        const d = new FormationDyno(this.host, release, type, n);
        st.current.set(name, d);
        added.push(d);
      }
    }
    return added;
  }

  private retire(st: AppDynos, d: FormationDyno): void {
    st.retiring.add(d);
    // Out of the routes first (the caller took it out of current/serving), then stopped.
    const retire = () => d.retire();
    void this.routesSettled(st.app).then(retire, retire).then(() => {
      st.retiring.delete(d);
      this.opts.onChange(st.app);
    });
  }

  /** Preboot: once every new web dyno has booted, the old ones get SIGTERM. */
  private checkPreboot(st: AppDynos): void {
    if (!st.serving) return;
    const web = [...st.current.values()].filter((d) => d.type === 'web');
    if (!web.every((d) => d.booted)) return;
    const old = st.serving;
    st.serving = null;
    for (const d of old) this.retire(st, d);
  }

  private changed(app: string): void {
    const st = this.apps.get(app);
    if (st) this.checkPreboot(st);
    this.opts.onChange(app);
  }

  private async stopEverything(app: string): Promise<void> {
    const st = this.apps.get(app);
    if (!st) return;
    const dynos = [...st.current.values(), ...(st.serving ?? []), ...st.retiring];
    st.current.clear();
    st.serving = null;
    const grace = this.settings().stopGraceS;
    const oneOffs = [...st.oneOffs.values()];
    for (const o of oneOffs) o.hangUp?.();
    await Promise.all([...dynos.map((d) => d.retire()), ...oneOffs.map((o) => o.proc.stop(grace))]);
    await st.cache.settle();
  }
}
