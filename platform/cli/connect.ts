/**
 * Finding the platform (CLI.md): through `$SLIPWAY_HOME/platform.json`. A command that needs the
 * platform and finds none running starts it in the background and goes on.
 */
import { join } from 'node:path';
import { SlipwayClient } from '../api/client';
import { homePaths, resolveHome, type HomePaths } from '../discovery/home';
import { lastPortsArgs } from '../discovery/last-ports';
import type { PlatformFile } from '../discovery/platform-file';
import { PlatformStartError, runningPlatform, startPlatform } from '../discovery/start';
import { readToken } from '../discovery/token';
import { CliError } from './errors';

export { runningPlatform };

/** The platform bundle next to this CLI bundle (dist/platform.js). */
export function platformScript(): string {
  return join(__dirname, 'platform.js');
}

/** Starts the platform in the background; resolves once it is ready (platform.json names it). */
export async function startDetached(paths: HomePaths, args: string[] = [], timeoutMs = 20000): Promise<PlatformFile> {
  try {
    return await startPlatform({ script: platformScript(), paths, args, timeoutMs }).ready;
  } catch (err) {
    // Another CLI or the editor may have started one on this home first: use it.
    const other = runningPlatform(paths);
    if (other) return other;
    if (err instanceof PlatformStartError) throw new CliError(err.code, err.message);
    throw err;
  }
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
