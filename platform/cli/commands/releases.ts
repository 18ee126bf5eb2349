/** deploy, releases, releases:info, rollback */
import { resolve } from 'node:path';
import type { Release, RollbackResult } from '../../api/schemas';
import { readVersion, versionProblem } from '../../shared/release-version';
import type { Command } from '../command';
import { CliError } from '../errors';
import { age, columns } from '../format';

function version(text: string): number {
  const v = readVersion(text);
  if (v === null) throw new CliError('invalid_version', versionProblem(text));
  return v;
}

const status = (r: Release) => (r.status === 'succeeded' ? '' : r.status);

export function rollbackText(app: string, r: RollbackResult): string {
  const { added, removed, changed } = r.configChanges;
  const parts = [
    added.length ? `added ${added.join(', ')}` : '',
    removed.length ? `removed ${removed.join(', ')}` : '',
    changed.length ? `changed ${changed.join(', ')}` : '',
  ].filter(Boolean);
  return [
    `Rolled back ${app} to v${r.target}: created v${r.release.version}`,
    `Restored v${r.target}'s code (${r.slugChanged ? `slug ${r.release.slug.id.slice(0, 7)}` : 'unchanged'}) and config vars (${parts.length ? parts.join('; ') : 'unchanged'})`,
    ...(r.addonVarsKept?.length ? [`Add-on config vars follow the add-ons attached now, not v${r.target}'s: ${r.addonVarsKept.join(', ')}`] : []),
    ...(r.restoredBackup ? [`Restored the data of backup ${r.restoredBackup} (captured before v${r.target + 1})`] : []),
    ...(!r.restoredBackup && r.dataBackup ? [`The data was not restored: backup ${r.dataBackup} was captured before v${r.target + 1}; to restore it too: slipway rollback v${r.target} --restore-data --confirm ${app} -a ${app}`] : []),
    `To undo: slipway rollback v${r.previous} -a ${app}`,
  ].join('\n');
}

export const releaseCommands: Command[] = [
  {
    name: 'deploy',
    usage: 'deploy [DIR] [-a APP]',
    summary: 'build a slug from DIR (default .) and release it',
    args: [0, 1],
    async run(inv) {
      const app = inv.app();
      const dir = resolve(inv.positionals[0] ?? '.');
      const client = await inv.client();
      const release = await client.deploy(app, dir, { onOutput: (line) => inv.progress(line + '\n') });
      inv.print({ release }, undefined);
    },
  },
  {
    name: 'releases',
    usage: 'releases [-n N] [-a APP]',
    summary: 'the releases, newest first',
    options: { num: { type: 'string', short: 'n' } },
    async run(inv) {
      const app = inv.app();
      const n = inv.values.num === undefined ? undefined : Number(inv.values.num);
      if (n !== undefined && (!Number.isInteger(n) || n < 1)) throw new CliError('invalid_number', `-n needs a positive whole number, got "${String(inv.values.num)}"`);
      const client = await inv.client();
      const releases = await client.releases(app, n);
      const current = releases.find((r) => r.current);
      const human =
        releases.length === 0
          ? `${app} has no releases yet. Deploy it with: slipway deploy DIR -a ${app}`
          : `=== ${app} Releases${current ? ` - Current: v${current.version}` : ''}\n` +
            columns(releases.map((r) => [`v${r.version}`, r.description, status(r), age(r.createdAt), r.current ? '(current)' : '']));
      inv.print(releases, human);
    },
  },
  {
    name: 'releases:info',
    usage: 'releases:info vN [-a APP]',
    summary: 'one release with its config vars',
    args: [1, 1],
    async run(inv) {
      const app = inv.app();
      const v = version(inv.positionals[0]);
      const client = await inv.client();
      const r = await client.release(app, v);
      const config = Object.entries(r.config).map(([k, val]) => [`${k}:`, val]);
      const human = [
        `=== Release v${r.version}${r.current ? ' (current)' : ''}`,
        columns([
          ['Description:', r.description],
          ['Status:', r.status],
          ['Slug:', `${r.slug.id.slice(0, 12)} (${r.slug.size} bytes)`],
          ['Commit:', r.commit ?? '-'],
          ['When:', r.createdAt],
          ['Process types:', Object.keys(r.processTypes).join(', ') || '(none)'],
          ['Add-ons:', (r.addons ?? []).map((a) => `${a.attachment} (${a.name})`).join(', ') || '(none)'],
          ['Backup:', r.backup ? `${r.backup} (captured before the release phase)` : '-'],
        ]),
        '',
        '=== Config vars',
        config.length ? columns(config) : '(none)',
      ].join('\n');
      inv.print(r, human);
    },
  },
  {
    name: 'rollback',
    usage: 'rollback [vN] [--restore-data --confirm APP] [-a APP]',
    summary: "new release with vN's slug and config (default: the one before current); --restore-data also restores the data",
    args: [0, 1],
    options: { 'restore-data': { type: 'boolean' }, confirm: { type: 'string' } },
    async run(inv) {
      const app = inv.app();
      const v = inv.positionals[0] === undefined ? undefined : version(inv.positionals[0]);
      const client = await inv.client();
      const restoreData = inv.values['restore-data'] === true;
      const confirm = typeof inv.values.confirm === 'string' ? inv.values.confirm : undefined;
      const result = restoreData ? await client.rollbackWith(app, { ...(v === undefined ? {} : { version: v }), restoreData, ...(confirm === undefined ? {} : { confirm }) }) : await client.rollback(app, v);
      inv.print({ release: result.release, restoredBackup: result.restoredBackup ?? null }, rollbackText(app, result));
    },
  },
];
