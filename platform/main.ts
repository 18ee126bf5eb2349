/**
 * The platform process: `node dist/platform.js [--port N] [--router-port N]` (launcher.ts, which
 * runs this bundle, dist/platform-main.js, with V8's code cache). Listens on
 * 127.0.0.1 only, writes platform.json once both ports listen, and closes with grace on
 * SIGTERM/SIGINT (or POST /platform/stop).
 */
import { parseArgs } from 'node:util';
import { build, type Platform } from './app';
import { PlatformError } from './errors';
import { resolveHome } from './discovery/home';
import { writeLastPorts } from './discovery/last-ports';
import { removePlatformFile, writePlatformFile } from './discovery/platform-file';
import { validateSettings, type Settings } from './settings';

function fail(message: string, code = 1): never {
  process.stderr.write(`slipway platform: ${message}\n`);
  process.exit(code);
}

function listenError(err: NodeJS.ErrnoException, settings: Settings): string {
  if (err.code === 'EADDRINUSE') {
    return `a port is in use (API ${settings.apiPort}, router ${settings.routerPort}): another Slipway platform or another program has it; stop it, or set "apiPort"/"routerPort" in settings.json, or pass --port N / --router-port N (0 picks a free port)`;
  }
  return `cannot listen on 127.0.0.1: ${err.message}`;
}

async function main(): Promise<void> {
  if (process.platform === 'win32') fail('Windows is not supported yet; run Slipway on Linux or macOS (WSL works)');
  let values: { port?: string; 'router-port'?: string };
  try {
    ({ values } = parseArgs({ options: { port: { type: 'string' }, 'router-port': { type: 'string' } }, strict: true }));
  } catch (err) {
    fail((err as Error).message, 2);
  }
  const overrides = validateSettings(
    {
      ...(values.port !== undefined ? { apiPort: Number(values.port) } : {}),
      ...(values['router-port'] !== undefined ? { routerPort: Number(values['router-port']) } : {}),
    },
    'command line',
  );
  const home = resolveHome();
  let closing = false;
  let platform: Platform | undefined = undefined;
  const close = async (why: string): Promise<void> => {
    if (closing || !platform) return;
    closing = true;
    removePlatformFile(platform.ctx.paths.platformJson, process.pid);
    const timer = setTimeout(() => fail('close timed out, exiting'), (platform.ctx.settings.stopGraceS + 10) * 1000);
    timer.unref();
    await platform.close();
    process.stderr.write(`slipway platform: stopped (${why})\n`);
    process.exit(0);
  };
  platform = await build({ home, settings: overrides, onStop: () => void close('stop requested') });
  process.on('SIGTERM', () => void close('SIGTERM'));
  process.on('SIGINT', () => void close('SIGINT'));

  const started = platform;
  // Announced (platform.json) once the API answers and the router's port is taken; the router's
  // nginx and the formations' dynos may still be starting (app.ts, listen). A failure after
  // that takes the announcement back.
  let announce: () => void = () => undefined;
  const announced = new Promise<void>((resolve) => (announce = resolve));
  const listening = started.listen((urls) => {
    writePlatformFile(started.ctx.paths.platformJson, { ...urls, pid: process.pid, version: started.ctx.version });
    writeLastPorts(started.ctx.paths, urls);
    process.stderr.write(`slipway platform ${started.ctx.version}: API ${urls.url}, router ${urls.routerUrl}, home ${home}\n`);
    announce();
  });
  const failed = listening.then(
    () => undefined,
    (err: unknown) => {
      removePlatformFile(started.ctx.paths.platformJson, process.pid);
      fail(listenError(err as NodeJS.ErrnoException, started.ctx.settings));
    },
  );
  await Promise.race([announced, failed]);
}

/** Settles once platform.json is written: the launcher (launcher.ts) then writes its code cache. */
export const ready = main().catch((err: unknown) => {
  if (err instanceof PlatformError) fail(err.message);
  fail((err as Error).stack ?? String(err));
});
