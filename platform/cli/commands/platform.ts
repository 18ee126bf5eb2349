/** platform:start, platform:stop, platform:status */
import { spawn } from 'node:child_process';
import { homePaths, resolveHome } from '../../discovery/home';
import { waitForExit } from '../../discovery/start';
import { platformEnv } from '../../discovery/spawn-env';
import type { Command } from '../command';
import { connect, platformScript, runningPlatform, startDetached } from '../connect';
import { CliError } from '../errors';

function startArgs(values: Record<string, unknown>): string[] {
  const args: string[] = [];
  if (typeof values.port === 'string') args.push('--port', values.port);
  if (typeof values['router-port'] === 'string') args.push('--router-port', values['router-port']);
  return args;
}

export const platformCommands: Command[] = [
  {
    name: 'platform:start',
    usage: 'platform:start [--detach] [--port N] [--router-port N]',
    summary: 'run the platform (foreground by default)',
    options: { detach: { type: 'boolean' }, port: { type: 'string' }, 'router-port': { type: 'string' } },
    async run(inv) {
      const paths = homePaths(resolveHome());
      const running = runningPlatform(paths);
      if (running) {
        inv.print({ running: true, ...running }, `The Slipway platform is already running: API ${running.url}, router ${running.routerUrl} (pid ${running.pid})`);
        return inv.values.detach ? 0 : 1;
      }
      if (inv.values.detach) {
        const info = await startDetached(paths, startArgs(inv.values));
        inv.print({ running: true, ...info }, `Slipway platform started: API ${info.url}, router ${info.routerUrl} (pid ${info.pid}); log ${paths.log}`);
        return 0;
      }
      const child = spawn(process.execPath, [platformScript(), ...startArgs(inv.values)], { stdio: 'inherit', env: platformEnv(process.env, { SLIPWAY_HOME: paths.root }) });
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
      return new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
    },
  },
  {
    name: 'platform:stop',
    usage: 'platform:stop',
    summary: 'stop the platform gracefully',
    async run(inv) {
      const paths = homePaths(resolveHome());
      if (!runningPlatform(paths)) {
        inv.print({ running: false }, 'The Slipway platform is not running.');
        return 0;
      }
      const { client, info } = await connect({ autoStart: false });
      await client.stop();
      inv.progress('Stopping the Slipway platform… ');
      if (!(await waitForExit(info.pid, 60000))) throw new CliError('platform_stop_timeout', `the platform (pid ${info.pid}) did not stop within 60 s`);
      inv.progress('done\n');
      inv.print({ running: false }, undefined);
    },
  },
  {
    name: 'platform:status',
    usage: 'platform:status',
    summary: 'is the platform running, where, which version',
    async run(inv) {
      const paths = homePaths(resolveHome());
      if (!runningPlatform(paths)) {
        inv.print({ running: false, url: null, routerUrl: null, pid: null, version: null }, 'The Slipway platform is not running. Start it with: slipway platform:start --detach');
        return 0;
      }
      const { client } = await connect({ autoStart: false });
      const s = await client.status();
      inv.print(
        { running: true, url: s.url, routerUrl: s.routerUrl, routerEngine: s.routerEngine, pid: s.pid, version: s.version, orphans: s.orphans },
        `The Slipway platform ${s.version} is running (pid ${s.pid})\nAPI:    ${s.url}\nRouter: ${s.routerUrl} (${s.routerEngine} engine)\nHome:   ${s.home}` +
          (s.orphans.length ? `\nMoved aside (no state mentions them; remove them when sure):\n${s.orphans.map((o) => `  ${o.path} (${o.bytes} bytes)`).join('\n')}` : ''),
      );
    },
  },
];
