/**
 * A real platform process (dist/platform.js) on a temporary $SLIPWAY_HOME with free ports, for
 * benchmarks: they measure what a user gets, not an in-process shortcut.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlipwayClient } from '../../../platform/api/client';
import { readPlatformFile } from '../../../platform/discovery/platform-file';
import { platformEnv } from '../../../platform/discovery/spawn-env';

export const ROOT = join(__dirname, '..', '..', '..');

export interface BenchPlatform {
  home: string;
  client: SlipwayClient;
  routerUrl: string;
  stop(): Promise<void>;
}

export async function startPlatform(settings: Record<string, unknown> = {}): Promise<BenchPlatform> {
  const home = mkdtempSync(join(tmpdir(), 'slipway-bench-'));
  writeFileSync(join(home, 'settings.json'), JSON.stringify({ apiPort: 0, routerPort: 0, stopGraceS: 2, ...settings }));
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'platform.js')], { env: platformEnv(process.env, { SLIPWAY_HOME: home }), stdio: 'ignore' });
  for (;;) {
    const info = readPlatformFile(join(home, 'platform.json'));
    if (info && info.pid === child.pid) {
      const client = new SlipwayClient({ url: info.url, token: readFileSync(join(home, 'token'), 'utf8').trim() });
      return {
        home,
        client,
        routerUrl: info.routerUrl,
        async stop() {
          child.kill('SIGTERM');
          await new Promise((r) => child.once('exit', r));
          rmSync(home, { recursive: true, force: true });
        },
      };
    }
    if (child.exitCode !== null) throw new Error(`the platform exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A writable copy of a fixture app in a temporary directory. */
export function fixtureCopy(app: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'slipway-bench-app-')), app);
  cpSync(join(ROOT, 'test', 'fixtures', 'apps', app), dir, { recursive: true });
  return dir;
}

/** Installs a Debian package when its command is missing (benchmarks install their references). */
export function ensureCommand(command: string, pkg: string): boolean {
  if (spawnSync('sh', ['-c', `command -v ${command}`]).status === 0) return true;
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  console.log(`installing ${pkg} (Debian) for ${command}…`);
  spawnSync([...sudo, 'apt-get'].join(' '), ['update', '-qq'], { shell: true, stdio: 'ignore' });
  const r = spawnSync([...sudo, 'apt-get'].join(' '), ['install', '-y', '-qq', pkg], { shell: true, stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0 && spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
