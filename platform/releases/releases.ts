/**
 * Releases: immutable, numbered per app from v1, one per deploy, config change and rollback.
 * `commitRelease` is the one place a release is written: the release and the app's pointer to it
 * go in one LevelDB batch, so after a crash the versions are contiguous and the last is complete.
 */
import type { Release, ReleaseInfo } from '../api/schemas';
import type { PlatformContext } from '../context';
import { invalid, notFound } from '../errors';
import { appKey, getOptional, listPrefix, releaseKey, releasePrefix, type AppRecord, type ReleaseRecord } from '../store/db';
import { nextFormation } from './formation';

export function toApiRelease(app: AppRecord, rec: ReleaseRecord): Release {
  return {
    version: rec.version,
    description: rec.description,
    status: rec.status,
    current: app.currentRelease === rec.version,
    slug: { id: rec.slugId, size: rec.slugSize },
    commit: rec.commit,
    createdAt: rec.createdAt,
  };
}

export function toApiReleaseInfo(app: AppRecord, rec: ReleaseRecord): ReleaseInfo {
  return { ...toApiRelease(app, rec), config: rec.config, processTypes: rec.processTypes };
}

export async function listReleases(ctx: PlatformContext, app: AppRecord, limit?: number): Promise<ReleaseRecord[]> {
  return listPrefix<ReleaseRecord>(ctx.db, releasePrefix(app.name), { reverse: true, limit });
}

/** Parses `v3` or `3`; anything else is an error that shows the expected form. */
export function parseVersion(text: string): number {
  const m = /^v?([1-9][0-9]{0,9})$/.exec(text.trim());
  if (!m) throw invalid('invalid_version', `"${text}" is not a release version; write it like v3`);
  return Number(m[1]);
}

export async function getRelease(ctx: PlatformContext, app: AppRecord, version: number): Promise<ReleaseRecord> {
  const rec = await getOptional<ReleaseRecord>(ctx.db, releaseKey(app.name, version));
  if (!rec) {
    const range = app.lastVersion > 0 ? `its releases are v1 to v${app.lastVersion}` : 'it has no releases yet';
    throw notFound('release_not_found', `app "${app.name}" has no release v${version}; ${range}`);
  }
  return rec;
}

export type ReleaseDraft = Pick<ReleaseRecord, 'description' | 'slugId' | 'slugSize' | 'commit' | 'config' | 'processTypes'>;

/**
 * Writes the next release as current. Until dynos exist, "Launching" is recording the release
 * as current. Must run under the app's lock; `app` is the record read under that lock.
 */
export async function commitRelease(ctx: PlatformContext, app: AppRecord, draft: ReleaseDraft): Promise<{ app: AppRecord; release: ReleaseRecord }> {
  const version = app.lastVersion + 1;
  const release: ReleaseRecord = {
    app: app.name,
    version,
    status: 'succeeded',
    createdAt: new Date().toISOString(),
    ...draft,
  };
  const next: AppRecord = {
    ...app,
    lastVersion: version,
    currentRelease: version,
    config: draft.config,
    processTypes: draft.processTypes,
    formation: nextFormation(app.formation, Object.keys(draft.processTypes), app.currentRelease === null),
  };
  await ctx.db.batch([
    { type: 'put', key: releaseKey(app.name, version), value: release },
    { type: 'put', key: appKey(app.name), value: next },
  ]);
  ctx.logs.append(app.name, 'api', 'api', release.description);
  ctx.logs.append(app.name, 'api', 'api', `Release v${version} created`);
  ctx.events.emit('releases', app.name);
  return { app: next, release };
}

/** The app's current release record, or null before the first deploy. */
export async function currentRelease(ctx: PlatformContext, app: AppRecord): Promise<ReleaseRecord | null> {
  return app.currentRelease === null ? null : getRelease(ctx, app, app.currentRelease);
}
