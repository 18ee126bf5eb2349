/** pg:info, pg:reset, redis:info: what is in an add-on's server, asked of the server itself. */
import { join } from 'node:path';
import type { PgInfo, RedisInfo } from '../api/schemas';
import { getApp } from '../apps/apps';
import type { PlatformContext } from '../context';
import { notFound } from '../errors';
import { checkConfirm } from './confirm';
import { pgAddon } from './backups';
import { run } from './postgres-cluster';
import { addonUrl, attachedAddons, toApiAddon, type AddonRecord } from './records';
import { postgresBinDir, redisCliBin } from './services';

async function psqlAs(addon: AddonRecord, sql: string): Promise<string> {
  return (await run(join(postgresBinDir(), 'psql'), ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', addonUrl(addon), '-c', sql], null)).trim();
}

export async function pgInfo(ctx: PlatformContext, app: string): Promise<PgInfo[]> {
  await getApp(ctx, app);
  await ctx.addons.postgres.ensureRunning().catch(() => undefined);
  const pgs = (await attachedAddons(ctx.db, app)).filter((a) => a.service === 'slipway-postgresql');
  if (pgs.length === 0) await pgAddon(ctx, app); // the error that says how to create one
  return Promise.all(pgs.map(async (a) => {
    const out = await psqlAs(a, "select (select count(*) from information_schema.tables where table_schema not in ('pg_catalog','information_schema')), pg_database_size(current_database()), current_setting('server_version')");
    const [tables, bytes, version] = out.split('|');
    return { ...toApiAddon(a), tables: Number(tables), bytes: Number(bytes), version };
  }));
}

/** Empties the database (everything its role owns), keeping the add-on, role and password. */
export async function pgReset(ctx: PlatformContext, app: string, ref: string | undefined, confirm: string | undefined): Promise<AddonRecord> {
  const addon = await pgAddon(ctx, app, ref);
  checkConfirm(app, confirm, `resetting ${addon.attachment} (${addon.name}) deletes all its data and`);
  await ctx.locks.run(app, () => psqlAs(addon, `DROP OWNED BY ${addon.database}`));
  ctx.logs.append(app, 'api', 'api', `Reset ${addon.attachment} (${addon.name})`);
  return addon;
}

export async function redisAddon(ctx: PlatformContext, app: string, ref?: string): Promise<AddonRecord> {
  await getApp(ctx, app);
  const all = (await attachedAddons(ctx.db, app)).filter((a) => a.service === 'slipway-redis');
  if (all.length === 0) throw notFound('no_redis', `app "${app}" has no Redis add-on; create one with: slipway addons:create heroku-redis -a ${app}`);
  if (ref === undefined) return all.find((a) => a.attachment === 'REDIS') ?? all[0];
  const found = all.find((a) => a.name === ref || a.attachment === ref || a.configVar === ref);
  if (!found) throw notFound('addon_not_found', `app "${app}" has no Redis add-on "${ref}"; its Redis add-ons are: ${all.map((a) => `${a.name} (${a.attachment})`).join(', ')}`);
  return found;
}

export async function redisInfo(ctx: PlatformContext, app: string): Promise<RedisInfo[]> {
  await redisAddon(ctx, app);
  const all = (await attachedAddons(ctx.db, app)).filter((a) => a.service === 'slipway-redis');
  return Promise.all(all.map(async (a) => {
    // REDISCLI_AUTH: the password stays out of the process list
    const out = await run(redisCliBin(), ['-h', '127.0.0.1', '-p', String(a.port), 'INFO'], null, { REDISCLI_AUTH: a.password });
    const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(out)?.[1]?.trim() ?? '';
    const keys = [...out.matchAll(/^db\d+:keys=(\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    return { ...toApiAddon(a), keys, usedMemory: Number(field('used_memory')) || 0, version: field('redis_version') };
  }));
}
