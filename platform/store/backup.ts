/**
 * `platform:backup`: a consistent copy of the state and the slugs, as one tar file:
 *   slipway-backup.json   what it holds (format 1, platform version, counts, time)
 *   db/                   a fresh LevelDB with every record of one snapshot of the state
 *   slugs/                the slugs that the snapshot's releases refer to
 * One LevelDB iterator reads one snapshot, so releases and app records agree while the platform
 * goes on serving; slugs are immutable and content-addressed, and the slug lock (SLUG_LOCK)
 * keeps a destroy from removing one between the snapshot and its hard link into the backup.
 * The tar is written under a temporary name, synced, then renamed: a backup file is whole or
 * absent. Not in it: logs, build caches and the apps' git repositories (a push makes them again).
 * `platform:restore` (cli/commands/backup.ts) unpacks it with the platform stopped.
 */
import { spawn } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, fsyncSync, linkSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { Level } from 'level';
import type { BackupResult } from '../api/schemas';
import type { PlatformContext } from '../context';
import { PlatformError, conflict, invalid } from '../errors';
import type { ReleaseRecord } from './db';
import { orphanStamp } from './orphans';
import { SLUG_LOCK } from './slug-gc';
import { BACKUP_FORMAT, BACKUP_MANIFEST, type BackupManifest } from '../shared/backup-manifest';


function runTar(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new PlatformError('backup_failed', `tar failed (${code}): ${err.trim()}`, 500))));
  });
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export async function backupState(ctx: PlatformContext, file?: string): Promise<BackupResult> {
  const createdAt = new Date();
  const target = file ?? join(ctx.paths.root, 'backups', `slipway-${orphanStamp(createdAt)}.tar`);
  if (!isAbsolute(target)) throw invalid('backup_path_relative', `the backup file must be an absolute path, not "${target}"`);
  if (file === undefined) mkdirSync(dirname(target), { recursive: true });
  else if (!existsSync(dirname(target))) throw invalid('backup_dir_missing', `the folder ${dirname(target)} does not exist; create it or choose another place for the backup`);
  if (existsSync(target)) throw conflict('backup_exists', `${target} already exists; a backup never overwrites a file: choose another name or move that one away`);

  const staging = mkdtempSync(join(ctx.paths.root, '.backup-'));
  const partial = `${target}.${process.pid}.partial`;
  try {
    const manifest = await ctx.locks.run(SLUG_LOCK, async () => {
      const copy = new Level<string, unknown>(join(staging, 'db'), { valueEncoding: 'json' });
      await copy.open();
      let apps = 0;
      let releases = 0;
      const slugs = new Set<string>();
      let ops: { type: 'put'; key: string; value: unknown }[] = [];
      try {
        for await (const [key, value] of ctx.db.iterator()) {
          if (key.startsWith('app!')) apps++;
          if (key.startsWith('rel!')) {
            releases++;
            slugs.add((value as ReleaseRecord).slugId);
          }
          ops.push({ type: 'put', key, value });
          if (ops.length >= 1000) {
            await copy.batch(ops);
            ops = [];
          }
        }
        if (ops.length) await copy.batch(ops, { sync: true });
      } finally {
        await copy.close();
      }
      mkdirSync(join(staging, 'slugs'));
      for (const id of slugs) {
        const from = join(ctx.paths.slugs, `${id}.tar.gz`);
        const to = join(staging, 'slugs', `${id}.tar.gz`);
        try {
          linkSync(from, to);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new PlatformError('slug_missing', `the slug ${from} that a release refers to is missing; the backup was not made`, 500);
          copyFileSync(from, to);
        }
      }
      return { format: BACKUP_FORMAT, platformVersion: ctx.version, createdAt: createdAt.toISOString(), apps, releases, slugs: slugs.size } satisfies BackupManifest;
    });
    writeFileSync(join(staging, BACKUP_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    await runTar(['-cf', partial, '-C', staging, BACKUP_MANIFEST, 'db', 'slugs']);
    fsyncPath(partial);
    renameSync(partial, target);
    fsyncPath(dirname(target));
    return { file: target, bytes: statSync(target).size, createdAt: manifest.createdAt, apps: manifest.apps, releases: manifest.releases, slugs: manifest.slugs };
  } finally {
    rmSync(partial, { force: true });
    rmSync(staging, { recursive: true, force: true });
  }
}
