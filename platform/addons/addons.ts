/**
 * Add-ons: create (provision and attach), list, info, destroy (detach and deprovision), and
 * what the platform does with them at start. Attaching and detaching change the app's config
 * through the one release path (releases/releases.ts launchRelease), with the add-on's record
 * in the release's batch; before the first deploy they change the stored config only.
 *
 * Crash safety: the record is written `provisioning` before the database or server exists, and
 * `deprovisioning` (in the Detach release's batch) before it is removed. At start, both are
 * finished the safe way: a `provisioning` add-on was never attached and is removed, a
 * `deprovisioning` one was detached and its removal is completed.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfigVars } from '../api/schemas';
import { getApp } from '../apps/apps';
import type { PlatformContext } from '../context';
import { conflict, notFound } from '../errors';
import { checkConfirm } from './confirm';
import { freePort } from '../dynos/ports';
import { currentRelease, launchRelease, sameSlugDraft } from '../releases/releases';
import { addonKey, appKey, backupKey, listPrefix, releaseKey, type AppRecord, type ReleaseRecord } from '../store/db';
import { addonName, checkAttachmentName, defaultAttachment, sqlName } from './names';
import { addonUrl, appAddons, appBackups, attachedAddons, releaseAddon, type AddonRecord } from './records';
import { parseService, postgresBinDir, redisServerBin, serviceKind } from './services';

export interface AddonChange {
  addon: AddonRecord;
  release: ReleaseRecord | null;
}

/** The app's add-on named NAME, or attached as NAME (DATABASE) or through NAME (DATABASE_URL). */
export async function findAddon(ctx: PlatformContext, app: string, ref: string): Promise<AddonRecord> {
  const all = (await appAddons(ctx.db, app)).filter((a) => a.state !== 'deprovisioning');
  const found = all.find((a) => a.name === ref || a.attachment === ref || a.configVar === ref);
  if (!found) {
    const names = all.map((a) => `${a.name} (${a.attachment})`).join(', ');
    throw notFound('addon_not_found', `app "${app}" has no add-on "${ref}"; ${names ? `its add-ons are: ${names}` : `it has none (create one with: slipway addons:create heroku-postgresql -a ${app})`}`);
  }
  return found;
}

export async function listAddons(ctx: PlatformContext, app: string): Promise<AddonRecord[]> {
  await getApp(ctx, app);
  return appAddons(ctx.db, app);
}


/** Creates the database and role, or the redis-server, of a `provisioning` record. */
async function provision(ctx: PlatformContext, rec: AddonRecord): Promise<AddonRecord> {
  if (rec.service === 'slipway-postgresql') {
    const cluster = ctx.addons.postgres;
    await cluster.ensureRunning();
    const db = rec.database!;
    await cluster.admin([`CREATE ROLE ${db} LOGIN PASSWORD '${rec.password}'`, `CREATE DATABASE ${db} OWNER ${db}`]);
    return { ...rec, port: cluster.port };
  }
  const port = await ctx.addons.redisFor(rec).start(ctx.addons.warn);
  return { ...rec, port };
}

/** Drops the database and role, or stops the redis-server and removes its data. Idempotent. */
async function deprovision(ctx: PlatformContext, rec: AddonRecord): Promise<void> {
  if (rec.service === 'slipway-postgresql') {
    const db = rec.database!;
    await ctx.addons.postgres.admin([`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`, `DROP ROLE IF EXISTS ${db}`]);
  } else {
    await ctx.addons.redisFor(rec).destroy();
    ctx.addons.forget(rec.name);
  }
}

export async function createAddon(ctx: PlatformContext, appName: string, spec: string, as?: string): Promise<AddonChange> {
  await getApp(ctx, appName);
  const { service, plan } = parseService(spec);
  // the binary first: a missing server is an error naming the Debian package, before any record
  if (service === 'slipway-postgresql') postgresBinDir();
  else redisServerBin();
  if (as !== undefined) checkAttachmentName(as);
  return ctx.locks.run(appName, async () => {
    const app = await getApp(ctx, appName);
    const addons = await appAddons(ctx.db, appName);
    const kind = serviceKind(service);
    const attachment = as ?? defaultAttachment(kind, (a) => `${a}_URL` in app.config || addons.some((x) => x.attachment === a));
    const configVar = `${attachment}_URL`;
    if (configVar in app.config || addons.some((x) => x.attachment === attachment)) {
      const owner = addons.find((x) => x.configVar === configVar);
      throw conflict('attachment_exists', `${configVar} is already set on "${appName}"${owner ? ` (by add-on ${owner.name})` : ' (a config var)'}; choose another name with --as NAME`);
    }
    const taken = new Set((await listPrefix<AddonRecord>(ctx.db, 'addon!')).map((a) => a.name));
    let name = addonName(kind);
    while (taken.has(name)) name = addonName(kind);
    let rec: AddonRecord = {
      name,
      app: appName,
      service,
      plan,
      attachment,
      configVar,
      state: 'provisioning',
      createdAt: new Date().toISOString(),
      port: service === 'slipway-redis' ? await freePort() : 0,
      password: randomBytes(24).toString('hex'),
      ...(service === 'slipway-postgresql' ? { database: sqlName(name) } : {}),
    };
    await ctx.db.put(addonKey(appName, name), rec);
    ctx.events.emit('addons', appName);
    try {
      rec = await provision(ctx, rec);
    } catch (err) {
      await deprovision(ctx, rec).catch(() => undefined);
      await ctx.db.del(addonKey(appName, name));
      ctx.events.emit('addons', appName);
      throw err;
    }
    const available: AddonRecord = { ...rec, state: 'available' };
    const config: ConfigVars = { ...app.config, [configVar]: addonUrl(available) };
    let release: ReleaseRecord | null = null;
    try {
      release = await attachConfig(ctx, app, config, `Attach ${attachment} (${name})`, [...(await attachedAddons(ctx.db, appName)), available], available);
    } catch (err) {
      await deprovision(ctx, rec).catch(() => undefined);
      await ctx.db.del(addonKey(appName, name));
      ctx.events.emit('addons', appName);
      throw err;
    }
    ctx.logs.append(appName, 'api', 'api', `Attached ${attachment} (${name})`);
    ctx.events.emit('addons', appName);
    return { addon: available, release };
  });
}

/**
 * The config change of an attach or detach, with `rec` written alongside: a release once the app
 * has one, else the stored config only (as config:set does before the first deploy).
 */
async function attachConfig(ctx: PlatformContext, app: AppRecord, config: ConfigVars, description: string, addons: AddonRecord[], rec: AddonRecord): Promise<ReleaseRecord | null> {
  const current = await currentRelease(ctx, app);
  if (!current) {
    await ctx.db.batch([
      { type: 'put', key: appKey(app.name), value: { ...app, config } },
      { type: 'put', key: addonKey(app.name, rec.name), value: rec },
    ]);
    ctx.events.emit('config', app.name);
    return null;
  }
  const { release } = await launchRelease(ctx, app, sameSlugDraft(current, description, config, addons.map(releaseAddon)), undefined, [{ type: 'put', key: addonKey(app.name, rec.name), value: rec }]);
  return release;
}

export async function destroyAddon(ctx: PlatformContext, appName: string, ref: string, confirm: string | undefined): Promise<AddonChange> {
  await getApp(ctx, appName);
  await findAddon(ctx, appName, ref);
  checkConfirm(appName, confirm, `destroying add-on ${ref} (its data)`);
  return ctx.locks.run(appName, async () => {
    const app = await getApp(ctx, appName);
    const rec = await findAddon(ctx, appName, ref);
    const config: ConfigVars = { ...app.config };
    delete config[rec.configVar];
    const leaving: AddonRecord = { ...rec, state: 'deprovisioning' };
    const others = (await attachedAddons(ctx.db, appName)).filter((a) => a.name !== rec.name);
    const release = await attachConfig(ctx, app, config, `Detach ${rec.attachment} (${rec.name})`, others, leaving);
    ctx.events.emit('addons', appName);
    await deprovision(ctx, rec);
    await ctx.db.del(addonKey(appName, rec.name));
    ctx.logs.append(appName, 'api', 'api', `Destroyed ${rec.attachment} (${rec.name})`);
    ctx.events.emit('addons', appName);
    return { addon: leaving, release };
  });
}

/** apps:destroy: every add-on's data and every backup of the app (under the app's lock). */
export async function destroyAppAddons(ctx: PlatformContext, app: string): Promise<void> {
  for (const rec of await appAddons(ctx.db, app)) {
    await deprovision(ctx, rec);
    await ctx.db.del(addonKey(app, rec.name));
  }
  const backups = await appBackups(ctx.db, app);
  if (backups.length > 0) await ctx.db.batch(backups.map((b) => ({ type: 'del' as const, key: backupKey(app, b.id) })));
  await rm(join(ctx.paths.root, 'backups', app), { recursive: true, force: true });
  ctx.events.emit('addons', app);
}

/**
 * At start, before any dyno: finish what a crash interrupted (see the top of this file), then
 * start (or take over) the servers of the attached add-ons. A server that had to move to
 * another port (its own was taken) gets its new URL into the app's config and current release
 * in one batch with its record, before the dynos read them.
 */
export async function startAddons(ctx: PlatformContext): Promise<void> {
  const all = await listPrefix<AddonRecord>(ctx.db, 'addon!');
  // a server that cannot start is said on stderr and its app runs without it: the platform starts
  const attempt = async (what: string, step: () => Promise<void>) => {
    try {
      await step();
    } catch (err) {
      ctx.addons.warn(`${what}: ${(err as Error).message}`);
    }
  };
  for (const rec of all.filter((a) => a.state === 'provisioning' || a.state === 'deprovisioning')) {
    await attempt(`removing the interrupted add-on ${rec.name} of ${rec.app}`, async () => {
      await deprovision(ctx, rec);
      await ctx.db.del(addonKey(rec.app, rec.name));
    });
  }
  const live = all.filter((a) => a.state === 'available' || a.state === 'failed');
  let pgUp = false;
  if (live.some((a) => a.service === 'slipway-postgresql')) await attempt('starting the PostgreSQL cluster', async () => ctx.addons.postgres.ensureRunning().then(() => void (pgUp = true)));
  for (const rec of live) {
    if (rec.service === 'slipway-postgresql' && !pgUp) continue;
    await attempt(`starting add-on ${rec.name} of ${rec.app}`, async () => {
      const port = rec.service === 'slipway-postgresql' ? ctx.addons.postgres.port : await ctx.addons.redisFor(rec).start(ctx.addons.warn);
      if (port !== rec.port) await movePort(ctx, { ...rec, port });
    });
  }
}

async function movePort(ctx: PlatformContext, rec: AddonRecord): Promise<void> {
  const app = await getApp(ctx, rec.app);
  const url = addonUrl(rec);
  const ops: { type: 'put'; key: string; value: AddonRecord | AppRecord | ReleaseRecord }[] = [
    { type: 'put', key: addonKey(rec.app, rec.name), value: rec },
    { type: 'put', key: appKey(app.name), value: { ...app, config: { ...app.config, [rec.configVar]: url } } },
  ];
  const current = await currentRelease(ctx, app);
  if (current) ops.push({ type: 'put', key: releaseKey(app.name, current.version), value: { ...current, config: { ...current.config, [rec.configVar]: url } } });
  await ctx.db.batch(ops);
}

/** Config vars owned by add-ons now (config:set and config:unset refuse them). */
export async function ownedVars(ctx: PlatformContext, app: string): Promise<Map<string, AddonRecord>> {
  return new Map((await appAddons(ctx.db, app)).map((a) => [a.configVar, a]));
}
