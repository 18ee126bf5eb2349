/**
 * platform:backup [FILE], platform:restore FILE (PLATFORM.md, "State durability").
 *
 * The backup is made by the running platform (POST /platform/backups, store/backup.ts): it
 * reads one snapshot of the state while it goes on serving, so a backup never waits for a
 * stop. The restore is done here, with the platform stopped, and refuses while it runs: a
 * running platform holds the state open and its dynos run the releases of that state, so the
 * state cannot change under it. The restore replaces nothing in place: the state it replaces
 * (db/ and the clean-stop record) is moved to $SLIPWAY_HOME/orphans/STAMP-before-restore/ and
 * slugs are added beside the existing ones (content-addressed, so a same name is the same
 * slug); the next start moves the slugs that the restored state does not mention aside.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { homePaths, resolveHome } from '../../discovery/home';
import type { Command, Invocation } from '../command';
import { runningPlatform } from '../connect';
import { CliError } from '../errors';
import { BACKUP_MANIFEST, type BackupManifest } from '../../shared/backup-manifest';


function tar(args: string[]): string {
  const r = spawnSync('tar', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new CliError('tar_missing', `cannot run tar: ${r.error.message}`);
  if (r.status !== 0) throw new CliError('backup_unreadable', `tar ${args[0]} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export const backupCommands: Command[] = [
  {
    name: 'platform:backup',
    usage: 'platform:backup [FILE]',
    summary: 'a consistent copy of the state and the slugs (a tar file; default $SLIPWAY_HOME/backups/)',
    args: [0, 1],
    async run(inv) {
      const file = inv.positionals[0] === undefined ? undefined : resolve(inv.positionals[0]);
      const client = await inv.client();
      const b = await client.backup(file);
      inv.print(b, `Backup written to ${b.file} (${b.apps} apps, ${b.releases} releases, ${b.slugs} slugs, ${mib(b.bytes)})\nRestore it with: slipway platform:restore ${b.file}`);
    },
  },
  {
    name: 'platform:restore',
    usage: 'platform:restore FILE',
    summary: 'replace the state with a backup (the platform must be stopped; the old state is kept aside)',
    args: [1, 1],
    run(inv) {
      restore(inv);
      return Promise.resolve();
    },
  },
];

function restore(inv: Invocation): void {
  const file = resolve(inv.positionals[0]);
  const paths = homePaths(resolveHome());
  const running = runningPlatform(paths);
  if (running) {
    throw new CliError('platform_running', `the Slipway platform is running (pid ${running.pid}) on this state; stop it first: slipway platform:stop, then run: slipway platform:restore ${file}`);
  }
  if (!existsSync(file)) throw new CliError('backup_not_found', `no backup file at ${file}`);
  const members = tar(['-tf', file]).split('\n').map((m) => m.replace(/^\.\//, ''));
  if (!members.includes(BACKUP_MANIFEST) || !members.includes('db/CURRENT')) {
    throw new CliError('backup_invalid', `${file} is not a Slipway backup (it has no ${BACKUP_MANIFEST} and db/CURRENT); make one with: slipway platform:backup`);
  }
  mkdirSync(paths.root, { recursive: true, mode: 0o700 });
  const staging = mkdtempSync(join(paths.root, '.restore-'));
  try {
    tar(['-xf', file, '-C', staging, '--no-same-owner', '--no-same-permissions']);
    const manifest = JSON.parse(readFileSync(join(staging, BACKUP_MANIFEST), 'utf8')) as BackupManifest;
    if (manifest.format !== 1) throw new CliError('backup_format', `${file} is a backup of format ${manifest.format}, which this Slipway (format 1) cannot read; use the Slipway that made it`);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const aside = join(paths.root, 'orphans', `${stamp}-before-restore`);
    const moved: string[] = [];
    for (const path of [paths.db, join(paths.root, 'state-closed.json')]) {
      if (!existsSync(path)) continue;
      mkdirSync(aside, { recursive: true });
      renameSync(path, join(aside, path.slice(paths.root.length + 1)));
      moved.push(path);
    }
    renameSync(join(staging, 'db'), paths.db);
    mkdirSync(paths.slugs, { recursive: true });
    let added = 0;
    for (const name of readdirSync(join(staging, 'slugs'))) {
      if (existsSync(join(paths.slugs, name))) continue;
      renameSync(join(staging, 'slugs', name), join(paths.slugs, name));
      added++;
    }
    const keptAt = moved.length ? `The state it replaced is kept in ${aside}.` : 'There was no state before.';
    inv.print(
      { restored: file, createdAt: manifest.createdAt, apps: manifest.apps, releases: manifest.releases, slugs: manifest.slugs, slugsAdded: added, previousState: moved.length ? aside : null },
      `Restored ${file} (made ${manifest.createdAt}: ${manifest.apps} apps, ${manifest.releases} releases, ${manifest.slugs} slugs, ${added} of them added). ${keptAt}\nStart the platform: slipway platform:start --detach`,
    );
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
