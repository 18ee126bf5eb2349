/** buildpacks, buildpacks:set DIR, buildpacks:clear: an app's custom classic buildpack. */
import { resolve } from 'node:path';
import type { Command } from '../command';

export const buildpacksCommands: Command[] = [
  {
    name: 'buildpacks',
    usage: 'buildpacks [-a APP]',
    summary: "the app's custom buildpack (none: the built-in node or plain step)",
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      const r = await client.buildpacks(app);
      inv.print(
        r,
        r.buildpacks.length > 0
          ? `=== ${app} Buildpack\n${r.buildpacks.join('\n')}`
          : `${app} has no custom buildpack: builds use the built-in node (package.json) or plain step.`,
      );
    },
  },
  {
    name: 'buildpacks:set',
    usage: 'buildpacks:set DIR [-a APP]',
    summary: 'build the app with the classic buildpack in DIR (bin/detect, bin/compile, bin/release) from the next deploy',
    args: [1, 1],
    async run(inv) {
      const app = inv.app();
      const dir = resolve(inv.positionals[0]);
      const client = await inv.client();
      const r = await client.setBuildpack(app, dir);
      inv.print(
        r,
        `Buildpack set. Next release on ${app} will use ${dir}.\n` +
          'Deploy (git push slipway main, or slipway deploy) to create a new release using this buildpack.',
      );
    },
  },
  {
    name: 'buildpacks:clear',
    usage: 'buildpacks:clear [-a APP]',
    summary: "go back to the built-in node or plain step from the next deploy",
    async run(inv) {
      const app = inv.app();
      const client = await inv.client();
      const r = await client.clearBuildpacks(app);
      inv.print(r, `Buildpack cleared. Next release on ${app} will use the built-in node or plain step.`);
    },
  },
];
