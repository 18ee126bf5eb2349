/**
 * One code-server process for one harness run: its own user-data, extensions and HOME
 * directories (nothing touches the real ~), no marketplace, loopback only, no auth.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface RunDirs {
  root: string;
  userData: string;
  extensions: string;
  home: string;
}

export function makeRunDirs(root: string): RunDirs {
  const dirs = { root, userData: join(root, 'user-data'), extensions: join(root, 'extensions'), home: join(root, 'home') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  return dirs;
}

/** User settings for a quiet, deterministic workbench (plus `extra`). */
export function writeUserSettings(dirs: RunDirs, extra: Record<string, unknown> = {}): void {
  writeFileSync(
    join(dirs.userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.enableExperiments': false,
        'telemetry.telemetryLevel': 'off',
        'security.workspace.trust.enabled': false,
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'terminal.integrated.gpuAcceleration': 'off',
        'chat.disableAIFeatures': true,
        ...extra,
      },
      null,
      2,
    ),
  );
}

/** The environment code-server (and so the extension host) runs with. */
export function codeServerEnv(dirs: RunDirs, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dirs.home,
    XDG_CONFIG_HOME: join(dirs.home, '.config'),
    XDG_DATA_HOME: join(dirs.home, '.local', 'share'),
    XDG_CACHE_HOME: join(dirs.home, '.cache'),
    // no marketplace: the workbench would query it and fail offline
    EXTENSIONS_GALLERY: '{}',
    ...extra,
  };
  // The extension must find its home through its setting, not through the caller's environment.
  delete env.SLIPWAY_HOME;
  delete env.NODE_OPTIONS;
  return env;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(url, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(2000, () => {
      req.destroy();
      resolve(false);
    });
  });
}

export function installVsix(entry: string, dirs: RunDirs, vsix: string): string {
  const r = spawnSync(process.execPath, [entry, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--install-extension', vsix], {
    env: codeServerEnv(dirs),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`installing ${vsix} failed:\n${r.stdout}${r.stderr}`);
  return r.stdout.trim().split('\n').pop() ?? '';
}

export interface CodeServer {
  base: string;
  authority: string;
  process: ChildProcess;
  spawnedAt: number;
  stop(): Promise<void>;
}

export async function startCodeServer(opts: { entry: string; dirs: RunDirs; folder: string; env: NodeJS.ProcessEnv; log: string }): Promise<CodeServer> {
  const port = await freePort();
  const fd = openSync(opts.log, 'w');
  const spawnedAt = Date.now();
  const proc = spawn(
    process.execPath,
    [
      opts.entry,
      '--user-data-dir',
      opts.dirs.userData,
      '--extensions-dir',
      opts.dirs.extensions,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      opts.folder,
    ],
    // its own process group: stop() ends code-server and the extension host with it
    { env: opts.env, stdio: ['ignore', fd, fd], detached: true },
  );
  closeSync(fd);
  const base = `http://127.0.0.1:${port}/`;
  let exited = false;
  proc.once('exit', () => (exited = true));
  const stop = async () => {
    if (exited || proc.pid === undefined) return;
    const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    try {
      process.kill(-proc.pid, 'SIGTERM');
    } catch {
      proc.kill('SIGTERM');
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5000);
    await gone;
    clearTimeout(timer);
  };
  while (!(await healthy(`${base}healthz`))) {
    if (exited) throw new Error(`code-server exited while starting; see ${opts.log}`);
    if (Date.now() - spawnedAt > 60000) {
      await stop();
      throw new Error(`code-server did not answer within 60 s; see ${opts.log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, authority: `127.0.0.1:${port}`, process: proc, spawnedAt, stop };
}
