/** config, config:get, config:set, config:unset */
import type { ConfigPatchResult, ConfigVars } from '../../api/schemas';
import type { Command } from '../command';
import { CliError } from '../errors';
import { columns } from '../format';

function configText(app: string, config: ConfigVars): string {
  const rows = Object.entries(config).map(([k, v]) => [`${k}:`, v]);
  return rows.length ? `=== ${app} Config Vars\n${columns(rows)}` : `${app} has no config vars.`;
}

function changeText(app: string, what: string, r: ConfigPatchResult): string {
  return r.release ? `${what} and restarting ${app}... done, v${r.release.version}` : `${what} (stored; ${app} has no release yet, its first deploy carries it)`;
}

export const configCommands: Command[] = [
  {
    name: 'config',
    usage: 'config [-a APP]',
    summary: 'the config vars',
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      const config = await client.config(app);
      inv.print(config, configText(app, config));
    },
  },
  {
    name: 'config:get',
    usage: 'config:get KEY [-a APP]',
    summary: 'one config var',
    args: [1, 1],
    async run(inv) {
      const app = inv.app();
      const key = inv.positionals[0];
      const client = await inv.client();
      const config = await client.config(app);
      if (!(key in config)) throw new CliError('config_not_found', `${app} has no config var ${key}`);
      inv.print(config[key], config[key]);
    },
  },
  {
    name: 'config:set',
    usage: 'config:set KEY=VALUE … [-a APP]',
    summary: 'set config vars (a release once deployed)',
    args: [1, Infinity],
    async run(inv) {
      const app = inv.app();
      const set: ConfigVars = {};
      for (const pair of inv.positionals) {
        const eq = pair.indexOf('=');
        if (eq <= 0) throw new CliError('invalid_config_pair', `"${pair}" is not KEY=VALUE; write it like GREETING=hi`);
        set[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      const client = await inv.client();
      const r = await client.changeConfig(app, { set });
      inv.print(r.config, `${changeText(app, `Setting ${Object.keys(set).join(', ')}`, r)}\n${columns(Object.entries(set).map(([k, v]) => [`${k}:`, v]))}`);
    },
  },
  {
    name: 'config:unset',
    usage: 'config:unset KEY … [-a APP]',
    summary: 'remove config vars (a release once deployed)',
    args: [1, Infinity],
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      const r = await client.changeConfig(app, { unset: inv.positionals });
      inv.print(r.config, changeText(app, `Unsetting ${inv.positionals.join(', ')}`, r));
    },
  },
];
