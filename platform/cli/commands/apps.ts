/** apps, apps:create, apps:info, apps:destroy */
import type { App } from '../../api/schemas';
import type { Command } from '../command';
import { CliError, UsageError } from '../errors';
import { columns } from '../format';

const formation = (f: App['formation']) => Object.entries(f).map(([t, n]) => `${t}=${n}`).join(' ') || '(none)';

export function appInfoText(app: App): string {
  return [
    `=== ${app.name}`,
    columns([
      ['Current release:', app.currentRelease === null ? '(none: deploy it)' : `v${app.currentRelease}`],
      ['Formation:', formation(app.formation)],
      ['URL:', app.url],
      ['Created:', app.createdAt],
    ]),
  ].join('\n');
}

export const appsCommands: Command[] = [
  {
    name: 'apps',
    usage: 'apps',
    summary: 'list the apps',
    async run(inv) {
      const client = await inv.client();
      const apps = await client.apps();
      const human = apps.length === 0 ? 'You have no apps. Create one with: slipway apps:create NAME' : `=== Apps\n${columns(apps.map((a) => [a.name, a.currentRelease === null ? '-' : `v${a.currentRelease}`, a.url]))}`;
      inv.print(apps, human);
    },
  },
  {
    name: 'apps:create',
    usage: 'apps:create NAME',
    summary: 'create an app',
    args: [1, 1],
    async run(inv) {
      const client = await inv.client();
      const app = await client.createApp(inv.positionals[0]);
      inv.print(app, `Created ${app.name}: ${app.url}\nDeploy it with: slipway deploy DIR -a ${app.name}`);
    },
  },
  {
    name: 'apps:info',
    usage: 'apps:info [-a NAME]',
    summary: 'one app',
    args: [0, 1],
    async run(inv) {
      const client = await inv.client();
      const app = await client.app(inv.positionals[0] ?? inv.app());
      inv.print(app, appInfoText(app));
    },
  },
  {
    name: 'apps:destroy',
    usage: 'apps:destroy NAME --confirm NAME',
    summary: 'remove an app with its releases, slugs and logs',
    args: [0, 1],
    options: { confirm: { type: 'string' } },
    async run(inv) {
      const name = inv.positionals[0] ?? (typeof inv.values.app === 'string' ? inv.values.app : undefined);
      if (!name) throw new UsageError('apps:destroy needs the app name', 'apps:destroy NAME --confirm NAME');
      if (inv.values.confirm !== name) {
        throw new CliError('confirmation_required', `destroying ${name} removes its releases, slugs and logs for good; to go ahead, run: slipway apps:destroy ${name} --confirm ${name}`);
      }
      const client = await inv.client();
      const result = await client.destroyApp(name);
      inv.print(result, `Destroyed ${name}`);
    },
  },
];
