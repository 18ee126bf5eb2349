/** redis:cli, redis:info (Redis add-ons; the local redis-cli) */
import type { Command } from '../command';
import { columns } from '../format';
import { runClient } from './pg';

export const redisCommands: Command[] = [
  {
    name: 'redis:info',
    usage: 'redis:info [-a APP]',
    summary: 'the Redis add-ons: keys, memory, version',
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      const infos = await client.redisInfo(app);
      inv.print(infos, infos.map((i) => `=== ${i.configVar} (${i.name})\n${columns([['Plan:', i.plan], ['Status:', i.state], ['Version:', i.version], ['Keys:', String(i.keys)], ['Memory:', `${i.usedMemory} bytes`]])}`).join('\n\n'));
    },
  },
  {
    name: 'redis:cli',
    usage: 'redis:cli [--addon NAME] [COMMAND ARGS…] [-a APP]',
    summary: 'redis-cli on the Redis add-on (interactive without a command)',
    args: [0, 1000],
    options: { addon: { type: 'string' } },
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      const { url } = await client.redisCredentials(app, typeof inv.values.addon === 'string' ? inv.values.addon : undefined);
      const u = new URL(url);
      // REDISCLI_AUTH keeps the password out of the process list (and redis-cli's warning away)
      return runClient('redis-cli', ['-h', u.hostname, '-p', u.port, ...inv.positionals], { ...process.env, REDISCLI_AUTH: decodeURIComponent(u.password) }, 'redis-cli is not installed; install the Debian package: apt-get install redis-tools');
    },
  },
];
