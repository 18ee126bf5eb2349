/** Apps: create, list, info, destroy. */
import { rm } from 'node:fs/promises';
import type { App } from '../api/schemas';
import type { PlatformContext } from '../context';
import { conflict, notFound } from '../errors';
import { appWorkDir } from '../discovery/home';
import { appKey, getOptional, listPrefix, releaseKey, releasePrefix, type AppRecord, type ReleaseRecord } from '../store/db';
import { removeUnusedSlugs } from '../store/slug-gc';
import { checkAppName } from './names';
import { destroyAppAddons } from '../addons/addons';

export function appUrl(ctx: PlatformContext, name: string): string {
  return `http://${name}.localhost:${ctx.routerPort()}/`;
}

export function toApiApp(ctx: PlatformContext, rec: AppRecord): App {
  return {
    name: rec.name,
    url: appUrl(ctx, rec.name),
    currentRelease: rec.currentRelease,
    formation: rec.formation,
    createdAt: rec.createdAt,
  };
}

/** The app's record; throws a 404 that tells how to create it. Validates the name first. */
export async function getApp(ctx: PlatformContext, name: string): Promise<AppRecord> {
  checkAppName(name);
  const rec = await getOptional<AppRecord>(ctx.db, appKey(name));
  if (!rec) throw notFound('app_not_found', `no app named "${name}"; create it with: slipway apps:create ${name}`);
  return rec;
}

export async function createApp(ctx: PlatformContext, name: string): Promise<AppRecord> {
  checkAppName(name);
  return ctx.locks.run(name, async () => {
    if (await getOptional<AppRecord>(ctx.db, appKey(name))) {
      throw conflict('app_exists', `an app named "${name}" already exists`);
    }
    const rec: AppRecord = {
      name,
      createdAt: new Date().toISOString(),
      currentRelease: null,
      lastVersion: 0,
      config: {},
      formation: {},
      processTypes: {},
    };
    await ctx.db.put(appKey(name), rec);
    ctx.apps.set(name, { maintenance: false });
    ctx.events.emit('apps', name);
    return rec;
  });
}

export async function listApps(ctx: PlatformContext): Promise<AppRecord[]> {
  return listPrefix<AppRecord>(ctx.db, 'app!');
}

/** Removes the app, its releases, its work dir (build cache, logs) and slugs no other app uses. */
export async function destroyApp(ctx: PlatformContext, name: string): Promise<void> {
  await getApp(ctx, name);
  const slugs = await ctx.locks.run(name, async () => {
    await ctx.dynos.stopApp(name);
    // the dynos are gone first, so no app holds a connection to a database being dropped
    await destroyAppAddons(ctx, name);
    const releases = await listPrefix<ReleaseRecord>(ctx.db, releasePrefix(name));
    const ops = [
      { type: 'del' as const, key: appKey(name) },
      ...releases.map((r) => ({ type: 'del' as const, key: releaseKey(name, r.version) })),
    ];
    await ctx.db.batch(ops);
    ctx.apps.delete(name);
    await ctx.logs.remove(name);
    await rm(appWorkDir(ctx.paths, name), { recursive: true, force: true });
    ctx.events.emit('apps', name);
    return releases.map((r) => r.slugId);
  });
  await removeUnusedSlugs(ctx, slugs);
}
