/**
 * bubblewrap, shared by the dynos and the release phase (dynos/sandbox.ts) and the build steps
 * (builds/build-sandbox.ts): whether it works here, and the host's root shown read-only.
 *
 * The host's / is bound entry by entry (`--ro-bind /usr /usr`, `--symlink usr/bin /bin`, …)
 * rather than with `--ro-bind / /`, so that bwrap can create mount points such as /app in its
 * own root before `--remount-ro /` (a read-only / has no room for a new mount point). /proc,
 * /dev and /tmp are left out (a sandbox gets fresh ones, and a private /tmp), and so is /app
 * (where a sandbox sees its own dir).
 *
 * Detection probes a sandbox with every option that the dynos and the builds use, with
 * capabilities dropped when bwrap allows it. It is done once per process per bwrap (about
 * 20 ms, synchronous): whether bubblewrap works is a fact of the host, the same for every
 * platform a process runs, and the dyno manager and the builds must agree on it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

/** A bubblewrap that works here. */
export interface Bwrap {
  /** The bwrap executable. */
  readonly file: string;
  /** The host's root, read-only, one top-level entry at a time (hostRootArgs). */
  readonly rootArgs: readonly string[];
  /** Whether `--cap-drop ALL` is allowed here (it is not for an unprivileged bwrap). */
  readonly dropCaps: boolean;
}

export const SHELL = '/bin/sh';

/** Top-level entries of the host a sandbox never sees: it gets its own. */
const SKIP_ROOT_ENTRIES = new Set(['proc', 'dev', 'tmp', 'app']);

/** bwrap arguments that show the host's root read-only, one top-level entry at a time. */
export function hostRootArgs(root = '/'): string[] {
  const args: string[] = [];
  for (const name of readdirSync(root).sort()) {
    if (SKIP_ROOT_ENTRIES.has(name)) continue;
    const path = join(root, name);
    let isLink: boolean;
    try {
      isLink = lstatSync(path).isSymbolicLink();
    } catch {
      continue;
    }
    if (isLink) args.push('--symlink', readlinkSync(path), path);
    else args.push('--ro-bind', path, path);
  }
  return args;
}

/** Whether a host path is out of a sandbox's sight because the sandbox's /tmp is its own. */
export function underPrivateTmp(path: string): boolean {
  return resolve(path).startsWith('/tmp/');
}

/** Whether `path` is `dir` or below it. */
export function within(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'));
}

/**
 * bwrap arguments that put an empty, read-only tmpfs over host directories a sandbox must not
 * even read: the platform's home ($SLIPWAY_HOME: its token, every app's slugs, config and logs). A dyno or
 * a build gets what it needs of it mounted elsewhere (/app, /tmp/cache); the rest of the host
 * stays in sight read-only. Paths under /tmp (out of sight already) and missing ones are skipped.
 */
export function hiddenArgs(dirs: readonly string[]): string[] {
  const args: string[] = [];
  for (const dir of dirs) {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch {
      continue;
    }
    if (!underPrivateTmp(real) && real !== '/') args.push('--tmpfs', real, '--remount-ro', real);
  }
  return args;
}

export interface SandboxShape {
  /** the host's root (Bwrap.rootArgs) */
  rootArgs: readonly string[];
  /** dirs out of sight (hiddenArgs) */
  hidden?: readonly string[];
  /** what the sandbox sees of its own (`--bind DIR /app`, …), after the fresh /dev, /proc and /tmp */
  mounts: readonly string[];
  /** the working directory inside */
  chdir: string;
  /** a session of its own with the command as pid 1 (dynos, ../dynos/sandbox.ts) */
  session: boolean;
  dropCaps: boolean;
}

/**
 * The bwrap options every sandbox here has, around what differs: the host's root read-only
 * (less what is hidden), a fresh /dev and /proc, a private /tmp, its own mounts, then / made
 * read-only, its own pid and IPC namespaces, death with the platform, and no capabilities where
 * bwrap allows. The probe below runs this very shape.
 */
export function sandboxArgs(s: SandboxShape): string[] {
  return [
    ...s.rootArgs,
    ...(s.hidden ?? []),
    '--dev', '/dev',
    '--proc', '/proc',
    '--tmpfs', '/tmp',
    ...s.mounts,
    '--remount-ro', '/',
    '--chdir', s.chdir,
    '--unshare-pid',
    '--unshare-ipc',
    '--die-with-parent',
    ...(s.session ? ['--new-session', '--as-pid-1'] : []),
    ...(s.dropCaps ? ['--cap-drop', 'ALL'] : []),
  ];
}

const detected = new Map<string, Bwrap | null>();

/** bubblewrap when it is installed and a probe sandbox runs here; otherwise null (see the top). */
export function detectBwrap(file = 'bwrap'): Bwrap | null {
  let found = detected.get(file);
  if (found === undefined) {
    found = probe(file);
    detected.set(file, found);
  }
  return found;
}

function probe(file: string): Bwrap | null {
  if (process.platform !== 'linux') return null;
  let rootArgs: string[];
  try {
    rootArgs = hostRootArgs();
  } catch {
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'slipway-sandbox-probe-'));
  try {
    for (const dropCaps of [true, false]) {
      // every option the dynos and the builds use (the mounts of both kinds)
      const mounts = ['--bind', dir, '/app', '--ro-bind', dir, '/tmp/ro', '--ro-bind-try', join(dir, 'absent'), '/tmp/absent', '--dir', '/tmp/home'];
      const args = [
        ...sandboxArgs({ rootArgs, mounts, chdir: '/app', session: true, dropCaps }),
        '--',
        SHELL, '-c', ': > /app/probe && test ! -w /usr && test -w /tmp/home && test ! -w /tmp/ro',
      ];
      const r = spawnSync(file, args, { cwd: dir, stdio: 'ignore', timeout: 10_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
      if (r.status === 0 && existsSync(join(dir, 'probe'))) return { file, rootArgs, dropCaps };
      rmSync(join(dir, 'probe'), { force: true });
    }
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
