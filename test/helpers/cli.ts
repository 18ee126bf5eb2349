/**
 * Runs the built CLI (dist/cli.js) as a real child process in a temporary $SLIPWAY_HOME whose
 * settings pick free ports, and stops any platform it started when the test ends.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { readFileSync } from 'node:fs';
import { SlipwayClient } from '../../platform/api/client';
import { pidAlive, readPlatformFile } from '../../platform/discovery/platform-file';
import { collect, type ProcessResult } from './process';
import { ROOT } from './tmp';

export const CLI = join(ROOT, 'dist', 'cli.js');

export type CliResult = ProcessResult;

export interface CliHome {
  home: string;
  run(args: string[], opts?: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<CliResult>;
  json<T>(args: string[], opts?: { cwd?: string }): Promise<T>;
  /** A typed client for the platform this home's CLI started (after a first command). */
  client(): SlipwayClient;
  routerUrl(): string;
}

/**
 * Starts `slipway deploy DIR -a APP` in the background and resolves once its build output
 * shows `marker` (e.g. "Compressing"), so a test can interrupt the deploy mid-build.
 */
export function deployUntil(home: string, dir: string, app: string, marker: string): Promise<ChildProcessByStdio<null, null, Readable>> {
  const child = spawn(process.execPath, [CLI, 'deploy', dir, '-a', app], { env: { ...process.env, SLIPWAY_HOME: home }, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes(marker)) resolve(child);
    });
    child.on('close', () => reject(new Error(`the deploy ended before "${marker}": ${err}`)));
  });
}

export function cliHome(t: TestContext, settings: Record<string, unknown> = {}): CliHome {
  // One hook that stops the platform (and so its dynos) BEFORE the home goes: the platform is
  // found through the home's platform.json.
  const home = mkdtempSync(join(tmpdir(), 'slipway-cli-home-'));
  writeFileSync(join(home, 'settings.json'), JSON.stringify({ apiPort: 0, routerPort: 0, ...settings }));
  t.after(async () => {
    const info = readPlatformFile(join(home, 'platform.json'));
    if (info && pidAlive(info.pid)) {
      process.kill(info.pid, 'SIGTERM');
      const deadline = Date.now() + 15000;
      while (pidAlive(info.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      if (pidAlive(info.pid)) process.kill(info.pid, 'SIGKILL');
    }
    rmSync(home, { recursive: true, force: true });
  });
  const run = (args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> =>
    collect(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? home, env: { ...process.env, SLIPWAY_HOME: home, SLIPWAY_APP: '', ...opts.env } });
  const info = () => {
    const i = readPlatformFile(join(home, 'platform.json'));
    if (!i) throw new Error('no platform is running for this home yet');
    return i;
  };
  return {
    home,
    run,
    client: () => new SlipwayClient({ url: info().url, token: readFileSync(join(home, 'token'), 'utf8').trim() }),
    routerUrl: () => info().routerUrl,
    async json<T>(args: string[], opts: { cwd?: string } = {}) {
      const r = await run([...args, '--json'], opts);
      if (r.code !== 0) throw new Error(`slipway ${args.join(' ')} exited ${r.code}: ${r.stdout}${r.stderr}`);
      return JSON.parse(r.stdout) as T;
    },
  };
}
