/**
 * The platform's state in LevelDB (`level`), JSON values. Keys:
 *   app!NAME               AppRecord
 *   rel!NAME!0000000042    ReleaseRecord (zero-padded so that key order is version order)
 *   addon!APP!NAME         AddonRecord (addons/records.ts)
 *   backup!APP!b001        BackupRecord (addons/records.ts)
 * Writes that belong together (a release and the app's pointer to it) go in one batch, so a
 * crash never leaves half a release.
 */
import { Level } from 'level';
import type { ConfigVars, Formation } from '../api/schemas';
import type { HomePaths } from '../discovery/home';
import { PlatformError } from '../errors';
import { checkStateFiles, clearClosedMarker, recoveryAdvice, writeClosedMarker } from './state-check';
import type { AddonRecord, BackupRecord } from '../addons/records';

export interface AppRecord {
  name: string;
  createdAt: string;
  /** The release that is live, or null before the first successful release. */
  currentRelease: number | null;
  /** The highest version ever used; the next release is lastVersion + 1 (contiguous). */
  lastVersion: number;
  /** The working config: the current release's, or what was set before the first deploy. */
  config: ConfigVars;
  formation: Formation;
  /** Process types of the current release (so the formation can be checked without a read). */
  processTypes: Record<string, string>;
  /** The router answers H80 while this is on. */
  maintenance?: boolean;
  /** Custom classic buildpacks (absolute dirs) for the next builds; absent or empty: built-in. */
  buildpacks?: string[];
}

export interface ReleaseRecord {
  app: string;
  version: number;
  description: string;
  status: 'pending' | 'succeeded' | 'failed';
  slugId: string;
  slugSize: number;
  commit: string | null;
  createdAt: string;
  config: ConfigVars;
  processTypes: Record<string, string>;
  /** The add-ons attached when the release was made (absent on releases made before add-ons). */
  addons?: { name: string; service: string; attachment: string; configVar: string }[];
  /** The data backup captured before its release phase (addons/backups.ts), if any. */
  backup?: string | null;
}

type Value = AppRecord | ReleaseRecord | AddonRecord | BackupRecord;
export type DbValue = Value;
export type Db = Level<string, Value>;

export const appKey = (name: string) => `app!${name}`;
export const releaseKey = (name: string, version: number) => `rel!${name}!${String(version).padStart(10, '0')}`;
export const releasePrefix = (name: string) => `rel!${name}!`;
export const addonKey = (app: string, name: string) => `addon!${app}!${name}`;
export const addonPrefix = (app: string) => `addon!${app}!`;
export const backupKey = (app: string, id: string) => `backup!${app}!${id}`;
export const backupPrefix = (app: string) => `backup!${app}!`;

/**
 * Every write is synced (LevelDB `sync: true`: fsync of the write-ahead log) before it resolves,
 * so that what the API answered is on disk (PLATFORM.md, "State durability"): a release, a
 * config change, a formation, maintenance, buildpacks. The hooks are abstract-level's private
 * write methods, so every caller of put/del/batch gets it without passing an option.
 */
interface WriteHooks {
  _put(key: unknown, value: unknown, options: object): Promise<void>;
  _del(key: unknown, options: object): Promise<void>;
  _batch(operations: unknown[], options: object): Promise<void>;
}
function syncEveryWrite(db: Db): void {
  const raw = db as unknown as WriteHooks;
  const put = raw._put.bind(raw);
  const del = raw._del.bind(raw);
  const batch = raw._batch.bind(raw);
  raw._put = (key, value, options) => put(key, value, { ...options, sync: true });
  raw._del = (key, options) => del(key, { ...options, sync: true });
  raw._batch = (operations, options) => batch(operations, { ...options, sync: true });
}

/** LevelDB's own words ("Corruption: …", "IO error: …") as a message that names the way forward. */
export function stateError(paths: HomePaths, err: unknown): PlatformError {
  if (err instanceof PlatformError) return err;
  const cause = (err as { cause?: { message?: string } }).cause;
  const detail = cause?.message ?? (err as Error).message;
  return new PlatformError('state_damaged', `cannot read the state database ${paths.db}: ${detail}. ${recoveryAdvice(paths)}`, 500);
}

/**
 * Opens the state after checking that it is whole (state-check.ts: a damaged or missing file
 * stops the start with a message naming it), with every write synced.
 */
export async function openDb(paths: HomePaths): Promise<Db> {
  const exists = checkStateFiles(paths);
  const location = paths.db;
  // An existing database is never created anew: LevelDB would make an empty one over the remains.
  const db = new Level<string, Value>(location, { valueEncoding: 'json', createIfMissing: !exists });
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.message ?? (err as Error).message;
    if (/lock/i.test(detail)) {
      throw new PlatformError(
        'platform_running',
        `the state in ${location} is locked by another Slipway platform; stop it first (slipway platform:stop)`,
        409,
      );
    }
    throw stateError(paths, err);
  }
  clearClosedMarker(paths);
  syncEveryWrite(db);
  return db;
}

/** Closes the state and records its files' sizes for the next start's check (state-check.ts). */
export async function closeDb(db: Db, paths: HomePaths): Promise<void> {
  await db.close();
  writeClosedMarker(paths);
}

/** All values under a key prefix, in key order. */
export async function listPrefix<T extends Value>(db: Db, prefix: string, opts: { reverse?: boolean; limit?: number } = {}): Promise<T[]> {
  const out: T[] = [];
  for await (const value of db.values({ gte: prefix, lt: prefix + '\xff', reverse: opts.reverse ?? false, limit: opts.limit ?? -1 })) {
    out.push(value as T);
  }
  return out;
}

export async function getOptional<T extends Value>(db: Db, key: string): Promise<T | undefined> {
  const value = await db.get(key);
  return value as T | undefined;
}
