/** addons, addons:create, addons:info, addons:destroy (PLATFORM.md "Add-ons") */
import type { Addon } from '../../api/schemas';
import type { Command, Invocation } from '../command';
import { age, columns } from '../format';

export const confirmValue = (inv: Invocation) => (typeof inv.values.confirm === 'string' ? inv.values.confirm : undefined);

export function addonRows(addons: Addon[]): string {
  return columns([['Add-on', 'Service', 'Plan', 'As', 'State', 'Created'], ...addons.map((a) => [a.name, a.service, a.plan, a.attachment, a.state, age(a.createdAt)])]);
}

export const addonsCommands: Command[] = [
  {
    name: 'addons',
    usage: 'addons [-a APP]',
    summary: "the app's add-ons",
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      const addons = await client.addons(app);
      inv.print(addons, addons.length ? `=== ${app} Add-ons\n${addonRows(addons)}` : `${app} has no add-ons. Create one with: slipway addons:create heroku-postgresql -a ${app}`);
    },
  },
  {
    name: 'addons:create',
    usage: 'addons:create SERVICE[:PLAN] [--as NAME] [-a APP]',
    summary: 'provision an add-on (heroku-postgresql, heroku-redis) and attach it (a release)',
    args: [1, 1],
    options: { as: { type: 'string' } },
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      inv.progress(`Creating ${inv.positionals[0]} on ${app}... `);
      const r = await client.createAddon(app, inv.positionals[0], typeof inv.values.as === 'string' ? inv.values.as : undefined);
      inv.progress('done\n');
      const human = [
        `Created ${r.addon.name} as ${r.addon.configVar}`,
        r.release ? `Attached ${r.addon.attachment} to ${app}: v${r.release.version} (${r.release.description})` : `Attached ${r.addon.attachment} to ${app} (stored; ${app} has no release yet, its first deploy carries ${r.addon.configVar})`,
        `Use slipway addons:info ${r.addon.name} -a ${app} to view its details`,
      ].join('\n');
      inv.print(r.addon, human);
    },
  },
  {
    name: 'addons:info',
    usage: 'addons:info NAME [-a APP]',
    summary: 'one add-on',
    args: [1, 1],
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      const a = await client.addon(app, inv.positionals[0]);
      inv.print(a, `=== ${a.name}\n${columns([['Service:', a.service], ['Plan:', a.plan], ['Attachment:', `${a.attachment} (${a.configVar})`], ['App:', a.app], ['State:', a.state], ['Created:', a.createdAt]])}`);
    },
  },
  {
    name: 'addons:destroy',
    usage: 'addons:destroy NAME --confirm APP [-a APP]',
    summary: 'detach an add-on (a release) and delete its data; its backups stay',
    args: [1, 1],
    options: { confirm: { type: 'string' } },
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      const r = await client.destroyAddon(app, inv.positionals[0], confirmValue(inv));
      inv.print({ destroyed: r.destroyed }, `Destroyed ${r.destroyed}${r.release ? `: v${r.release.version} (${r.release.description})` : ''}`);
    },
  },
];
