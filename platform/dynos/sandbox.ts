/**
 * How a dyno's command is started: plain (`/bin/sh -c COMMAND` in its own session, cwd the
 * dyno's copy of the slug) or, where bubblewrap works, inside a sandbox:
 *
 *   bwrap --ro-bind /usr /usr --symlink usr/bin /bin …   every entry of the host's / read-only
 *                                                        (except /proc, /dev, /tmp, /app)
 *         --dev /dev --proc /proc --tmpfs /tmp           fresh /dev and /proc, a private /tmp
 *         --tmpfs $SLIPWAY_HOME                          the platform's home out of sight (its token)
 *         --bind DYNODIR /app --remount-ro /             the dyno's copy at /app, the rest read-only
 *         --chdir /app --unshare-pid --unshare-ipc
 *         --die-with-parent                              dies with the platform, even on kill -9
 *         --new-session --as-pid-1                       its own process group; /bin/sh is pid 1
 *         --cap-drop ALL                                 (when allowed) no capabilities, even as root
 *         --json-status-fd 3                             reports the sandbox's host pid
 *         /bin/sh -c COMMAND
 *
 * The host's root is shown read-only entry by entry, and whether bubblewrap works is probed
 * once per process: both are shared with the builds (../sandbox/bwrap.ts). Networking is
 * shared: dynos listen on loopback ports.
 *
 * Signals: `--new-session` makes the command its own process group, apart from bwrap itself,
 * so that a SIGTERM to that group reaches the app but not bwrap (which would die of it and
 * take the sandbox down with SIGKILL). `--as-pid-1` makes the shell itself pid 1, instead of
 * bwrap's init, which exits as soon as the shell does and so kills the app with SIGKILL in
 * the middle of its graceful shutdown (the shell dies of SIGTERM at once). A pid 1 receives
 * no SIGTERM it has no handler for, so the stop sequence stops it with SIGSTOP instead (it
 * starts nothing more, as if it had died) and kills it once the rest of its group has ended
 * (dyno.ts).
 */
import { detectBwrap, hiddenArgs, sandboxArgs, SHELL } from '../sandbox/bwrap';

export { hostRootArgs, SHELL } from '../sandbox/bwrap';

export interface DynoLaunch {
  file: string;
  args: string[];
  /** The command's working directory on the host. */
  cwd: string;
  /** HOME as the command sees it. */
  home: string;
  /** fd 3 carries bwrap's JSON status (`{"child-pid": N}`). */
  statusFd: boolean;
}

export interface Launcher {
  readonly sandboxed: boolean;
  launch(dir: string, command: string): DynoLaunch;
}

export const plainLauncher: Launcher = {
  sandboxed: false,
  launch: (dir, command) => ({ file: SHELL, args: ['-c', command], cwd: dir, home: dir, statusFd: false }),
};

/** `hidden`: bwrap arguments that hide host dirs (the platform's home; ../sandbox/bwrap.ts hiddenArgs). */
export function bwrapLauncher(bwrap: string, rootArgs: readonly string[], dropCaps: boolean, hidden: readonly string[] = []): Launcher {
  return {
    sandboxed: true,
    launch: (dir, command) => ({
      file: bwrap,
      args: [
        ...sandboxArgs({ rootArgs, hidden, mounts: ['--bind', dir, '/app'], chdir: '/app', session: true, dropCaps }),
        '--json-status-fd', '3',
        SHELL, '-c', command,
      ],
      cwd: dir,
      home: '/app',
      statusFd: true,
    }),
  };
}

/**
 * bubblewrap, when it is installed and a probe sandbox of the dynos' shape runs here (with
 * capabilities dropped if bwrap allows it); otherwise null. Synchronous, probed once per
 * process (about 20 ms; ../sandbox/bwrap.ts).
 */
export function detectSandbox(bwrap = 'bwrap', hide: readonly string[] = []): Launcher | null {
  const found = detectBwrap(bwrap);
  return found ? bwrapLauncher(found.file, found.rootArgs, found.dropCaps, hiddenArgs(hide)) : null;
}
