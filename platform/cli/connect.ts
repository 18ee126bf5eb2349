/**
 * Finding the platform (CLI.md): through `$SLIPWAY_HOME/platform.json`. A command that needs the
 * platform and finds none running starts it in the background and goes on.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { SlipwayClient } from '../api/client';
import { homePaths, resolveHome, type HomePaths } from '../discovery/home';
import { lastPortsArgs } from '../discovery/last-ports';
import { pidAlive, readPlatformFile, type PlatformFile } from '../discovery/platform-file';
import { platformEnv } from '../discovery/spawn-env';
import { readToken } from '../discovery/token';
import { CliError } from './errors';

/** The platform bundle next to this CLI bundle (dist/platform.js). */
export function platformScript(): string {
  return join(__dirname, 'platform.js');
}

export function runningPlatform(paths: HomePaths): PlatformFile | null {
  const info = readPlatformFile(paths.platformJson);
  return info && pidAlive(info.pid) ? info : null;
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Starts `dist/platform.js` detached, its output in $SLIPWAY_HOME/platform.log; resolves once platform.json names it. */
export async function startDetached(paths: HomePaths, args: string[] = [], timeoutMs = 20000): Promise<PlatformFile> {
  const script = platformScript();
  if (!existsSync(script)) throw new CliError('platform_missing', `${script} is missing; build it with: npm run build`);
  mkdirSync(paths.root, { recursive: true, mode: 0o700 });
  const log = openSync(paths.log, 'a');
  const child = spawn(process.execPath, [script, ...args], {
    detached: true,
    stdio: ['ignore', log, log],
    env: platformEnv(process.env, { SLIPWAY_HOME: paths.root }),
  });
  closeSync(log);
  const state: { exited: number | null } = { exited: null };
  child.once('exit', (code) => (state.exited = code ?? 1));
  child.unref();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const info = readPlatformFile(paths.platformJson);
    if (info && info.pid === child.pid) return info;
    if (state.exited !== null) {
      throw new CliError('platform_start_failed', `the Slipway platform did not start (exit ${state.exited}):\n${tail(paths.log, 5)}\n(full log: ${paths.log})`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new CliError('platform_start_failed', `the Slipway platform did not become ready within ${timeoutMs / 1000} s; see ${paths.log}`);
}

export interface Connection {
  client: SlipwayClient;
  info: PlatformFile;
  paths: HomePaths;
}

export async function connect(opts: { autoStart: boolean; quiet?: boolean }): Promise<Connection> {
  const paths = homePaths(resolveHome());
  let info = runningPlatform(paths);
  if (!info) {
    if (!opts.autoStart) throw new CliError('platform_not_running', 'the Slipway platform is not running; start it with: slipway platform:start --detach');
    if (!opts.quiet) process.stderr.write('Starting the Slipway platform… ');
    info = await startDetached(paths, lastPortsArgs(paths));
    if (!opts.quiet) process.stderr.write('done\n');
  }
  let token: string;
  try {
    token = readToken(paths.token);
  } catch {
    throw new CliError('token_missing', `cannot read the platform token ${paths.token}; is SLIPWAY_HOME right?`);
  }
  return { client: new SlipwayClient({ url: info.url, token }), info, paths };
}
