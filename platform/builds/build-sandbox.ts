/**
 * Where a build step's programs run (npm, a classic buildpack's bin/detect, bin/compile and
 * bin/release): where bubblewrap works, in a sandbox (docs PLATFORM.md "Dynos": the build dir
 * at /app, a private /tmp, the rest of the host read-only), so that a build writes nothing but
 * its build dir and its cache:
 *
 *   bwrap ROOT…                                  the host's / read-only (../sandbox/bwrap.ts)
 *         --tmpfs $SLIPWAY_HOME                  the platform's home out of sight (its token)
 *         --dev /dev --proc /proc --tmpfs /tmp   fresh /dev and /proc, a private /tmp
 *         --bind BUILD /app                      the build dir, writable; the programs' cwd
 *         --bind CACHE /tmp/cache                the cache, writable (CACHE_DIR, npm's cache)
 *         --ro-bind ENV /tmp/env                 a buildpack's ENV_DIR, read-only
 *         --ro-bind-try PATH PATH                what the private /tmp would hide (a buildpack
 *                                                kept under /tmp, ~/.npmrc there), read-only
 *         --dir /tmp/home                        HOME: writable, gone with the sandbox
 *         --remount-ro / --chdir /app
 *         --unshare-pid --unshare-ipc            the build sees none of the host's processes
 *         --die-with-parent                      dies with the platform, even on kill -9
 *         --cap-drop ALL                         (when allowed) no capabilities, even as root
 *         FILE ARGS…
 *
 * The network is shared (npm fetches from its registry, as a build on Heroku does). Unlike a
 * dyno, no `--new-session`: the program stays in the process group that run-streamed.ts signals
 * on an abort, which is a session of its own with no terminal (spawned detached). When the
 * program ends, whatever it left running in the sandbox is killed with it.
 *
 * Without bubblewrap (or with the sandbox turned off) the programs run plainly, on the host's
 * paths. Either way the first program of a build says so in the build output; a build that
 * runs no program (a plain app, a node app with nothing to install) says nothing and never
 * probes for bubblewrap.
 */
import { isAbsolute, resolve } from 'node:path';
import { detectBwrap, hiddenArgs, sandboxArgs, underPrivateTmp, within, type Bwrap } from '../sandbox/bwrap';
import { BuildError } from './build-error';
import type { BuildLog } from './build-log';

/** The dirs a build program works on (host paths). */
export interface BuildDirs {
  /** The build dir: writable, the program's working directory (/app in the sandbox). */
  build: string;
  /** A writable cache dir that persists between builds (/tmp/cache in the sandbox). */
  cache?: string;
  /** A read-only dir of inputs: a buildpack's ENV_DIR (/tmp/env in the sandbox). */
  env?: string;
  /** Read-only files or dirs the program needs, seen at their own paths (a buildpack). */
  readOnly?: readonly string[];
}

/** The paths a build program is given for its dirs: inside the sandbox, or the host's own. */
export interface BuildPaths {
  build: string;
  cache: string;
  env: string;
}

export interface BuildCommand {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export const SANDBOX_PATHS: Readonly<BuildPaths> & { home: string } = Object.freeze({
  build: '/app',
  cache: '/tmp/cache',
  env: '/tmp/env',
  home: '/tmp/home',
});

export const SANDBOXED_NOTE = 'Build programs run in a bubblewrap sandbox: they can write only the build dir and its cache';
export const PLAIN_NOTE = 'Build programs run without a sandbox (bubblewrap is not available here)';

/**
 * One build's way of running programs. `want`: true requires bubblewrap, false never uses it,
 * undefined uses it when it works here (decided at the first program, once per process).
 */
export class BuildSandbox {
  private bwrap: Bwrap | null | undefined;
  private announced = false;

  constructor(
    private readonly want: boolean | undefined,
    private readonly log: BuildLog,
    /** Host dirs out of sight (an empty tmpfs over each): the platform's home. */
    private readonly hide: readonly string[] = [],
  ) {}

  /** The paths a program is given for `dirs`: inside the sandbox, or the host's own. */
  paths(dirs: BuildDirs): BuildPaths {
    if (this.resolve()) return { build: SANDBOX_PATHS.build, cache: SANDBOX_PATHS.cache, env: SANDBOX_PATHS.env };
    return { build: dirs.build, cache: dirs.cache ?? '', env: dirs.env ?? '' };
  }

  /**
   * The command that runs `argv` (its paths from `paths(dirs)`) on `dirs`, with `env` (HOME and
   * TMPDIR are the sandbox's own inside it). The first command of a build says in the build
   * output whether it is sandboxed.
   */
  command(dirs: BuildDirs, argv: readonly string[], env: NodeJS.ProcessEnv): BuildCommand {
    const bw = this.resolve();
    if (!this.announced) {
      this.announced = true;
      this.log.detail(bw ? SANDBOXED_NOTE : PLAIN_NOTE);
    }
    const [file, ...args] = argv;
    if (!bw) return { file, args, cwd: dirs.build, env };
    const mounts = ['--bind', dirs.build, SANDBOX_PATHS.build];
    if (dirs.cache !== undefined) mounts.push('--bind', dirs.cache, SANDBOX_PATHS.cache);
    if (dirs.env !== undefined) mounts.push('--ro-bind', dirs.env, SANDBOX_PATHS.env);
    for (const path of dirs.readOnly ?? []) {
      // the rest of the host is in sight already, read-only
      const hidden = underPrivateTmp(path) || this.hide.some((dir) => within(resolve(path), resolve(dir)));
      if (isAbsolute(path) && hidden) mounts.push('--ro-bind-try', resolve(path), resolve(path));
    }
    return {
      file: bw.file,
      args: [
        ...sandboxArgs({ rootArgs: bw.rootArgs, hidden: hiddenArgs(this.hide), mounts: [...mounts, '--dir', SANDBOX_PATHS.home], chdir: SANDBOX_PATHS.build, session: false, dropCaps: bw.dropCaps }),
        '--',
        file,
        ...args,
      ],
      cwd: dirs.build,
      env: { ...env, HOME: SANDBOX_PATHS.home, TMPDIR: '/tmp' },
    };
  }

  private resolve(): Bwrap | null {
    if (this.bwrap === undefined) {
      this.bwrap = this.want === false ? null : detectBwrap();
      if (this.want === true && this.bwrap === null) {
        throw new BuildError('sandbox_unavailable', 'the build must run in a sandbox, but bubblewrap (bwrap) is not installed or does not work here');
      }
    }
    return this.bwrap;
  }
}
