/**
 * After the files (state-check.ts), the records: every app's releases v1..lastVersion are all
 * there and its current release is one of them. A database that LevelDB reads without error can
 * still be short of records (a table restored from elsewhere, a hand edit); starting on it would
 * renumber releases and, once, deleted the slugs it no longer mentioned.
 */
import type { HomePaths } from '../discovery/home';
import { PlatformError } from '../errors';
import { listPrefix, releasePrefix, type AppRecord, type Db, type ReleaseRecord } from './db';
import { recoveryAdvice } from './state-check';

export async function checkStateRecords(db: Db, paths: HomePaths): Promise<AppRecord[]> {
  const apps = await listPrefix<AppRecord>(db, 'app!');
  for (const app of apps) {
    const versions = new Set<number>();
    for await (const key of db.keys({ gte: releasePrefix(app.name), lt: releasePrefix(app.name) + '\xff' })) versions.add(Number(key.slice(releasePrefix(app.name).length)));
    const missing: number[] = [];
    for (let v = 1; v <= app.lastVersion && missing.length < 5; v++) if (!versions.has(v)) missing.push(v);
    const bad = missing.length > 0 || (app.currentRelease !== null && !versions.has(app.currentRelease));
    if (bad) {
      const what = missing.length ? `releases ${missing.map((v) => `v${v}`).join(', ')}${missing.length === 5 ? ', …' : ''} are missing` : `its current release v${app.currentRelease} is missing`;
      throw new PlatformError('state_damaged', `cannot start: the state database ${paths.db} is incomplete: app "${app.name}" has releases up to v${app.lastVersion} but ${what}. ${recoveryAdvice(paths)}`, 500);
    }
  }
  // releases of an app that is not there
  const names = new Set(apps.map((a) => a.name));
  for await (const value of db.values({ gte: 'rel!', lt: 'rel!\xff' })) {
    const rec = value as ReleaseRecord;
    if (!names.has(rec.app)) {
      throw new PlatformError('state_damaged', `cannot start: the state database ${paths.db} is incomplete: it has release v${rec.version} of app "${rec.app}" but not the app itself. ${recoveryAdvice(paths)}`, 500);
    }
  }
  return apps;
}
