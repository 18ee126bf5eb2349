/**
 * PostgreSQL backups: real `pg_dump -Fc` files in `$SLIPWAY_HOME/backups/APP/b001.dump`, with a
 * record each (backup!APP!b001). A capture writes `b001.dump.partial` and renames it once
 * pg_dump has finished, so a file named `.dump` is always whole; a capture cut by a crash is
 * marked failed at the next start. A restore replaces the database's contents in one
 * transaction (DROP OWNED BY the add-on's role, then pg_restore's script), so a restore cut
 * halfway changes nothing. Backups outlive their add-on, until deleted or the app is destroyed.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { getApp } from '../apps/apps';
import type { PlatformContext } from '../context';
import { PlatformError, invalid, notFound } from '../errors';
import { backupKey, listPrefix } from '../store/db';
import { checkConfirm } from './confirm';
import { addonUrl, appBackups, attachedAddons, type AddonRecord, type BackupRecord } from './records';
import { postgresBinDir } from './services';

export const backupsDir = (ctx: PlatformContext, app: string) => join(ctx.paths.root, 'backups', app);
export const backupFile = (ctx: PlatformContext, app: string, id: string) => join(backupsDir(ctx, app), `${id}.dump`);

const BACKUP_ID = /^b\d{3,}$/;

/** The app's PostgreSQL add-on named by `ref` (name, attachment or var), else its DATABASE, else its first. */
export async function pgAddon(ctx: PlatformContext, app: string, ref?: string): Promise<AddonRecord> {
  await getApp(ctx, app);
  const pgs = (await attachedAddons(ctx.db, app)).filter((a) => a.service === 'slipway-postgresql');
  if (pgs.length === 0) throw notFound('no_postgresql', `app "${app}" has no PostgreSQL add-on; create one with: slipway addons:create heroku-postgresql -a ${app}`);
  if (ref === undefined) return pgs.find((a) => a.attachment === 'DATABASE') ?? pgs[0];
  const found = pgs.find((a) => a.name === ref || a.attachment === ref || a.configVar === ref);
  if (!found) throw notFound('addon_not_found', `app "${app}" has no PostgreSQL add-on "${ref}"; its PostgreSQL add-ons are: ${pgs.map((a) => `${a.name} (${a.attachment})`).join(', ')}`);
  return found;
}

function nextId(backups: BackupRecord[]): string {
  const max = backups.reduce((n, b) => Math.max(n, Number(b.id.slice(1))), 0);
  return `b${String(max + 1).padStart(3, '0')}`;
}

/** Runs a program, rejecting with its stderr's last lines. */
function runTool(file: string, args: string[], env: Record<string, string> = {}, stdin?: (w: NodeJS.WritableStream) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: [stdin ? 'pipe' : 'ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', ...env } });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    if (stdin) stdin(child.stdin!);
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${file.split('/').pop()} exited ${code}: ${err.trim().split('\n').slice(-5).join('\n')}`))));
  });
}

/** A capture without the app's lock (the caller holds it, or is the release path under it). */
async function captureLocked(ctx: PlatformContext, app: string, addon: AddonRecord, reason: string): Promise<BackupRecord> {
  const dir = backupsDir(ctx, app);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let rec: BackupRecord = { id: nextId(await appBackups(ctx.db, app)), app, addon: addon.name, createdAt: new Date().toISOString(), bytes: 0, status: 'running', reason };
  await ctx.db.put(backupKey(app, rec.id), rec);
  ctx.events.emit('backups', app);
  const file = backupFile(ctx, app, rec.id);
  try {
    await ctx.addons.postgres.ensureRunning();
    await runTool(join(postgresBinDir(), 'pg_dump'), ['-Fc', '--no-owner', '--no-privileges', '-f', `${file}.partial`, '-d', addonUrl(addon)]);
    await rename(`${file}.partial`, file);
    rec = { ...rec, status: 'succeeded', bytes: (await stat(file)).size };
  } catch (err) {
    rec = { ...rec, status: 'failed' };
    await rm(`${file}.partial`, { force: true });
    await ctx.db.put(backupKey(app, rec.id), rec);
    ctx.events.emit('backups', app);
    throw new PlatformError('backup_failed', `backup ${rec.id} of ${addon.name} failed: ${(err as Error).message}`, 500);
  }
  await ctx.db.put(backupKey(app, rec.id), rec);
  ctx.events.emit('backups', app);
  return rec;
}

export async function captureBackup(ctx: PlatformContext, app: string, ref?: string): Promise<BackupRecord> {
  await pgAddon(ctx, app, ref);
  return ctx.locks.run(app, async () => captureLocked(ctx, app, await pgAddon(ctx, app, ref), 'manual'));
}

/**
 * Called by the release path before a release phase runs (under the app's lock): a backup of
 * the app's DATABASE when it has PostgreSQL and `backupBeforeRelease` is on; null otherwise.
 */
export async function captureBeforeRelease(ctx: PlatformContext, app: string, version: number, log: (line: string) => void): Promise<string | null> {
  if (!ctx.settings.backupBeforeRelease) return null;
  const pgs = (await attachedAddons(ctx.db, app)).filter((a) => a.service === 'slipway-postgresql');
  if (pgs.length === 0) return null;
  const addon = pgs.find((a) => a.attachment === 'DATABASE') ?? pgs[0];
  log(`-----> Capturing a backup of ${addon.attachment} before the release phase...`);
  const rec = await captureLocked(ctx, app, addon, `before release v${version}`);
  log(`       Backup ${rec.id} (${rec.bytes} bytes); undo the release's data changes with: slipway rollback v${version - 1} --restore-data --confirm ${app} -a ${app}`);
  return rec.id;
}

export async function listBackups(ctx: PlatformContext, app: string): Promise<BackupRecord[]> {
  await getApp(ctx, app);
  return appBackups(ctx.db, app);
}

/** One backup of the app; `OTHER::b001` (Heroku's cross-app form) is refused, naming why. */
export async function getBackup(ctx: PlatformContext, app: string, id?: string): Promise<BackupRecord> {
  const backups = (await listBackups(ctx, app)).filter((b) => b.status === 'succeeded');
  if (id === undefined) {
    const newest = backups.at(-1);
    if (!newest) throw notFound('no_backups', `app "${app}" has no backups; capture one with: slipway pg:backups:capture -a ${app}`);
    return newest;
  }
  const cross = /^(.+)::(.+)$/.exec(id);
  if (cross && cross[1] !== app) throw invalid('backup_of_other_app', `${id} is a backup of app "${cross[1]}", not of "${app}"; restore an app's own backups only (slipway pg:backups -a ${app})`);
  const bare = cross ? cross[2] : id;
  if (!BACKUP_ID.test(bare)) throw invalid('invalid_backup_id', `"${id}" is not a backup id; ids look like b001 (see: slipway pg:backups -a ${app})`);
  const found = (await appBackups(ctx.db, app)).find((b) => b.id === bare);
  if (!found) {
    throw notFound('backup_not_found', `app "${app}" has no backup ${bare}; ${backups.length ? `its backups are: ${backups.map((b) => b.id).join(', ')}` : 'it has none'}`);
  }
  if (found.status !== 'succeeded') throw invalid('backup_incomplete', `backup ${bare} of "${app}" ${found.status === 'running' ? 'is still running' : 'failed'}; pick a succeeded one (slipway pg:backups -a ${app})`);
  return found;
}

/** Replaces the add-on's data with the backup's, in one transaction (under the app's lock). */
export async function restoreLocked(ctx: PlatformContext, app: string, backup: BackupRecord, addon: AddonRecord): Promise<void> {
  await ctx.addons.postgres.ensureRunning();
  const bin = postgresBinDir();
  const file = backupFile(ctx, app, backup.id);
  // pg_restore writes the dump as SQL; psql runs it after DROP OWNED in one transaction
  const script = spawn(join(bin, 'pg_restore'), ['--no-owner', '--no-privileges', '-f', '-', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let scriptErr = '';
  script.stderr.on('data', (d: Buffer) => (scriptErr += d.toString()));
  const scriptDone = new Promise<number | null>((resolve) => script.once('close', resolve));
  await runTool(join(bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', addonUrl(addon)], {}, (stdin) => {
    stdin.write(`BEGIN;\nDROP OWNED BY ${addon.database};\n`);
    script.stdout.pipe(stdin, { end: false });
    script.stdout.once('end', () => stdin.end('COMMIT;\n'));
  });
  if ((await scriptDone) !== 0) throw new PlatformError('restore_failed', `pg_restore could not read backup ${backup.id}: ${scriptErr.trim()}`, 500);
  ctx.logs.append(app, 'api', 'api', `Restored backup ${backup.id} into ${addon.attachment} (${addon.name})`);
}

export async function restoreBackup(ctx: PlatformContext, app: string, opts: { backup?: string; addon?: string; confirm?: string }): Promise<{ backup: BackupRecord; addon: AddonRecord }> {
  const backup = await getBackup(ctx, app, opts.backup);
  const addon = await pgAddon(ctx, app, opts.addon);
  checkConfirm(app, opts.confirm, `restoring backup ${backup.id} over ${addon.attachment} (${addon.name})`);
  await ctx.locks.run(app, () => restoreLocked(ctx, app, backup, addon));
  return { backup, addon };
}

export async function deleteBackup(ctx: PlatformContext, app: string, id: string, confirm: string | undefined): Promise<BackupRecord> {
  const rec = await getBackupAnyStatus(ctx, app, id);
  checkConfirm(app, confirm, `deleting backup ${rec.id}`);
  await rm(backupFile(ctx, app, rec.id), { force: true });
  await ctx.db.del(backupKey(app, rec.id));
  ctx.events.emit('backups', app);
  return rec;
}

async function getBackupAnyStatus(ctx: PlatformContext, app: string, id: string): Promise<BackupRecord> {
  const all = await listBackups(ctx, app);
  const found = all.find((b) => b.id === id);
  if (!found) throw notFound('backup_not_found', `app "${app}" has no backup ${id}; ${all.length ? `its backups are: ${all.map((b) => b.id).join(', ')}` : 'it has none'}`);
  return found;
}

/** At start: a capture cut by a crash is marked failed and its partial file removed. */
export async function failRunningBackups(ctx: PlatformContext): Promise<void> {
  for (const rec of await listPrefix<BackupRecord>(ctx.db, 'backup!')) {
    if (rec.status !== 'running') continue;
    await rm(`${backupFile(ctx, rec.app, rec.id)}.partial`, { force: true });
    await ctx.db.put(backupKey(rec.app, rec.id), { ...rec, status: 'failed' });
  }
}
