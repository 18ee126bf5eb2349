/** logs, maintenance:on|off, open */
import { spawn } from 'node:child_process';
import { formatLogLine } from '../../shared/log-line';
import type { LogLine } from '../../api/schemas';
import type { Command } from '../command';
import { CliError } from '../errors';

const SOURCES = new Set(['app', 'slipway', 'api']);

export const logsCommands: Command[] = [
  {
    name: 'logs',
    usage: 'logs [-n N] [--tail] [--ps web|web.1] [--source app|slipway|api] [--since T] [--until T] [-a APP]',
    summary: "the app's log; T is ISO 8601 or relative (10m, 2h)",
    options: {
      num: { type: 'string', short: 'n' },
      tail: { type: 'boolean', short: 't' },
      ps: { type: 'string', short: 'p' },
      source: { type: 'string', short: 's' },
      since: { type: 'string' },
      until: { type: 'string' },
    },
    async run(inv) {
      const app = inv.app();
      const v = inv.values;
      const n = v.num === undefined ? undefined : Number(v.num);
      if (n !== undefined && (!Number.isInteger(n) || n < 1)) throw new CliError('invalid_number', `-n needs a positive whole number, got "${String(v.num)}"`);
      if (v.source !== undefined && !SOURCES.has(String(v.source))) throw new CliError('invalid_source', `--source must be app, slipway or api, got "${String(v.source)}"`);
      const q = { n, ps: v.ps as string | undefined, source: v.source as LogLine['source'] | undefined, since: v.since as string | undefined, until: v.until as string | undefined };
      const client = await inv.client();
      const show = (line: LogLine) => process.stdout.write((inv.json ? JSON.stringify(line) : formatLogLine(line)) + '\n');
      if (v.tail) {
        const abort = new AbortController();
        process.once('SIGINT', () => abort.abort());
        process.stdout.on('error', () => abort.abort()); // e.g. `| head`
        // Behind a slow stdout (a pipe, a terminal under load) the response is not read while
        // stdout is full: the platform's follower drops what does not fit and says so with its
        // L10 line, and this process stays small instead of queueing the difference.
        const drained = () => new Promise<void>((resolve) => {
          const done = () => {
            process.stdout.off('drain', done);
            abort.signal.removeEventListener('abort', done);
            resolve();
          };
          process.stdout.on('drain', done);
          abort.signal.addEventListener('abort', done);
        });
        await client.tailLogs(app, q, (line) => (show(line) ? undefined : drained()), abort.signal);
        return 0;
      }
      const lines = await client.logs(app, q);
      if (inv.json) inv.print(lines);
      else for (const line of lines) show(line);
    },
  },
  {
    name: 'maintenance:on',
    usage: 'maintenance:on [-a APP]',
    summary: 'the router answers H80 (maintenance mode)',
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      inv.print(await client.maintenance(app, true), `Enabling maintenance mode for ${app}... done`);
    },
  },
  {
    name: 'maintenance:off',
    usage: 'maintenance:off [-a APP]',
    summary: 'the router serves the app again',
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      inv.print(await client.maintenance(app, false), `Disabling maintenance mode for ${app}... done`);
    },
  },
  {
    name: 'open',
    usage: 'open [-a APP]',
    summary: 'print (and, on a desktop, open) the app URL',
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      const { url } = await client.app(app);
      inv.print({ url }, url);
      const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
      if (!inv.json && (process.env.DISPLAY || process.env.WAYLAND_DISPLAY || process.platform === 'darwin')) {
        spawn(opener, [url], { stdio: 'ignore', detached: true }).on('error', () => undefined).unref();
      }
    },
  },
];
