/**
 * Releases: immutable, numbered per app from v1, one per deploy, config change and rollback.
 * `launchRelease` is the one way a release is made:
 *   1. the release is written `pending` and its number taken (one batch with the app record);
 *   2. the release phase runs, if the Procfile has `release`;
 *   3. the release becomes `succeeded` and current (one batch), or `failed`, never current;
 *   4. the dynos move to it (web preboot).
 * A crash between 1 and 3 leaves a `pending` release that the next start marks `failed`, so the
 * versions stay contiguous and the current one is always complete.
 */
import { readVersion, versionProblem } from '../shared/release-version';
import { join } from 'node:path';
import type { Release, ReleaseInfo } from '../api/schemas';
import { getApp } from '../apps/apps';
import type { PlatformContext } from '../context';
import type { ReleaseSpec } from '../dynos';
import { PlatformError, invalid, notFound } from '../errors';
import { appKey, getOptional, listPrefix, releaseKey, releasePrefix, type AppRecord, type DbValue, type ReleaseRecord } from '../store/db';
import { nextFormation } from './formation';
import { attachedAddons, releaseAddon } from '../addons/records';
import { captureBeforeRelease } from '../addons/backups';

export function toApiRelease(app: AppRecord, rec: ReleaseRecord): Release {
  return {
    version: rec.version,
    description: rec.description,
    status: rec.status,
    current: app.currentRelease === rec.version,
    slug: { id: rec.slugId, size: rec.slugSize },
    commit: rec.commit,
    createdAt: rec.createdAt,
    backup: rec.backup ?? null,
  };
}

export function toApiReleaseInfo(app: AppRecord, rec: ReleaseRecord): ReleaseInfo {
  return { ...toApiRelease(app, rec), config: rec.config, processTypes: rec.processTypes, addons: rec.addons ?? [] };
}

export async function listReleases(ctx: PlatformContext, app: AppRecord, limit?: number): Promise<ReleaseRecord[]> {
  return listPrefix<ReleaseRecord>(ctx.db, releasePrefix(app.name), { reverse: true, limit });
}

/** `releases`: the app's releases as the API shows them, newest first. */
export async function appReleases(ctx: PlatformContext, appName: string, limit?: number): Promise<Release[]> {
  const app = await getApp(ctx, appName);
  return (await listReleases(ctx, app, limit)).map((r) => toApiRelease(app, r));
}

/** `releases:info vN`: one release with its config vars. */
export async function releaseInfo(ctx: PlatformContext, appName: string, version: number): Promise<ReleaseInfo> {
  const app = await getApp(ctx, appName);
  return toApiReleaseInfo(app, await getRelease(ctx, app, version));
}

/** Parses `v3` or `3`; anything else is an error that shows the expected form. */
export function parseVersion(text: string): number {
  const version = readVersion(text);
  if (version === null) throw invalid('invalid_version', versionProblem(text));
  return version;
}

export async function getRelease(ctx: PlatformContext, app: AppRecord, version: number): Promise<ReleaseRecord> {
  const rec = await getOptional<ReleaseRecord>(ctx.db, releaseKey(app.name, version));
  if (!rec) {
    const range = app.lastVersion > 0 ? `its releases are v1 to v${app.lastVersion}` : 'it has no releases yet';
    throw notFound('release_not_found', `app "${app.name}" has no release v${version}; ${range}`);
  }
  return rec;
}

/** The app's current release record, or null before the first deploy. */
export async function currentRelease(ctx: PlatformContext, app: AppRecord): Promise<ReleaseRecord | null> {
  return app.currentRelease === null ? null : getRelease(ctx, app, app.currentRelease);
}

export function releaseSpec(ctx: PlatformContext, rec: ReleaseRecord): ReleaseSpec {
  return {
    app: rec.app,
    version: rec.version,
    slugPath: join(ctx.paths.slugs, `${rec.slugId}.tar.gz`),
    config: rec.config,
    processTypes: rec.processTypes,
    commit: rec.commit,
  };
}

export type ReleaseDraft = Pick<ReleaseRecord, 'description' | 'slugId' | 'slugSize' | 'commit' | 'config' | 'processTypes'> & Pick<ReleaseRecord, 'addons'>;

/** A release of the current slug with other config: a config change, an add-on attached or detached. */
export function sameSlugDraft(current: ReleaseRecord, description: string, config: ReleaseRecord['config'], addons?: ReleaseRecord['addons']): ReleaseDraft {
  const draft: ReleaseDraft = { description, slugId: current.slugId, slugSize: current.slugSize, commit: current.commit, config, processTypes: current.processTypes };
  if (addons !== undefined) draft.addons = addons;
  return draft;
}

/** Writes that belong to the release going live (an add-on attached or detached): in its batch. */
export type ReleaseOps = { type: 'put'; key: string; value: DbValue }[];

/**
 * Makes the next release and launches it (see the top of this file). Must run under the app's
 * lock; `app` is the record read under that lock. `log` receives the release phase's progress
 * (the deploy streams it with the build output). A failed release phase throws
 * `release_failed` after recording the release as failed.
 */
export async function launchRelease(
  ctx: PlatformContext,
  app: AppRecord,
  draft: ReleaseDraft,
  log: (line: string) => void = () => undefined,
  ops: ReleaseOps = [],
): Promise<{ app: AppRecord; release: ReleaseRecord }> {
  const version = app.lastVersion + 1;
  const addons = draft.addons ?? (await attachedAddons(ctx.db, app.name)).map(releaseAddon);
  let release: ReleaseRecord = { app: app.name, version, status: 'pending', createdAt: new Date().toISOString(), ...draft, addons, backup: null };
  const reserved: AppRecord = { ...app, lastVersion: version };
  await ctx.db.batch([
    { type: 'put', key: releaseKey(app.name, version), value: release },
    { type: 'put', key: appKey(app.name), value: reserved },
  ]);
  ctx.logs.append(app.name, 'api', 'api', `${draft.description}`);

  if (draft.processTypes.release) {
    // Data-safe releases: the database as it was before the migration (PLATFORM.md "Add-ons").
    let backup: string | null;
    try {
      backup = await captureBeforeRelease(ctx, app.name, version, log);
    } catch (err) {
      release = { ...release, status: 'failed' };
      await ctx.db.put(releaseKey(app.name, version), release);
      ctx.events.emit('releases', app.name);
      throw new PlatformError('release_failed', `the backup before the release phase failed, so the release command did not run; v${version} is marked failed: ${(err as Error).message}`, 422);
    }
    if (backup) {
      release = { ...release, backup };
      await ctx.db.put(releaseKey(app.name, version), release);
    }
    log('-----> Running release command...');
    const stop = ctx.logs.follow(app.name, { dyno: 'release', source: 'app' }, {
      write: (line) => (log(`       ${line.message}`), true),
      onDrain: () => undefined,
    });
    let result;
    try {
      result = await ctx.dynos.runReleasePhase(releaseSpec(ctx, release));
    } finally {
      await ctx.logs.flush();
      stop();
    }
    if (!result.ok) {
      release = { ...release, status: 'failed' };
      await ctx.db.put(releaseKey(app.name, version), release);
      const why = result.timedOut ? `timed out after ${ctx.settings.releasePhaseTimeoutS} s` : `exited with status ${result.code}`;
      ctx.logs.append(app.name, 'api', 'api', `Release v${version} failed: the release command ${why}`);
      ctx.events.emit('releases', app.name);
      const stays = app.currentRelease === null ? 'nothing was released' : `v${app.currentRelease} stays current`;
      throw new PlatformError('release_failed', `the release command (${draft.processTypes.release}) ${why}; v${version} is marked failed and ${stays}. See: slipway logs --ps release -a ${app.name}`, 422);
    }
  }

  release = { ...release, status: 'succeeded' };
  const next: AppRecord = {
    ...reserved,
    currentRelease: version,
    config: draft.config,
    processTypes: draft.processTypes,
    formation: nextFormation(app.formation, Object.keys(draft.processTypes), app.currentRelease === null),
  };
  await ctx.db.batch([
    { type: 'put', key: releaseKey(app.name, version), value: release },
    { type: 'put', key: appKey(app.name), value: next },
    ...ops,
  ]);
  ctx.logs.append(app.name, 'api', 'api', `Release v${version} created`);
  ctx.events.emit('releases', app.name);
  await ctx.dynos.apply(releaseSpec(ctx, release), next.formation);
  return { app: next, release };
}

/** At start-up: a release left `pending` by a crash never went live; it is marked failed. */
export async function failPendingReleases(ctx: PlatformContext): Promise<number> {
  let n = 0;
  for await (const [key, value] of ctx.db.iterator({ gte: 'rel!', lt: 'rel!\xff' })) {
    const rec = value as ReleaseRecord;
    if (rec.status === 'pending') {
      await ctx.db.put(key, { ...rec, status: 'failed' });
      ctx.logs.append(rec.app, 'api', 'api', `Release v${rec.version} failed: the platform stopped while it was being released`);
      n++;
    }
  }
  return n;
}
