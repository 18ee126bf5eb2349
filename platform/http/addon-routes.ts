/**
 * Add-on routes (PLATFORM.md "Add-ons"): one schema and one service call per verb, as routes.ts.
 */
import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { createAddon, destroyAddon, findAddon, listAddons } from '../addons/addons';
import { backupFile, captureBackup, deleteBackup, getBackup, listBackups, pgAddon, restoreBackup } from '../addons/backups';
import { pgInfo, pgReset, redisAddon, redisInfo } from '../addons/data';
import { addonUrl, toApiAddon, toApiBackup } from '../addons/records';
import { getApp } from '../apps/apps';
import type { PlatformContext } from '../context';
import { toApiRelease } from '../releases/releases';
import * as S from '../api/schemas';

export function registerAddonRoutes(fastify: FastifyInstance, ctx: PlatformContext): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const release = async (name: string, rec: Parameters<typeof toApiRelease>[1] | null) => (rec ? toApiRelease(await getApp(ctx, name), rec) : null);

  app.get('/apps/:app/addons', { schema: { params: S.AppParams, response: { 200: Type.Array(S.Addon) } } }, async (req) => (await listAddons(ctx, req.params.app)).map(toApiAddon));

  app.post('/apps/:app/addons', { schema: { params: S.AppParams, body: S.CreateAddonBody, response: { 201: S.CreateAddonResult } } }, async (req, reply) => {
    const change = await createAddon(ctx, req.params.app, req.body.service, req.body.as);
    return reply.code(201).send({ addon: toApiAddon(change.addon), release: await release(req.params.app, change.release) });
  });

  app.get('/apps/:app/addons/:addon', { schema: { params: S.AddonParams, response: { 200: S.Addon } } }, async (req) => {
    await getApp(ctx, req.params.app);
    return toApiAddon(await findAddon(ctx, req.params.app, req.params.addon));
  });

  app.delete('/apps/:app/addons/:addon', { schema: { params: S.AddonParams, body: S.ConfirmBody, response: { 200: S.DestroyAddonResult } } }, async (req) => {
    const change = await destroyAddon(ctx, req.params.app, req.params.addon, req.body?.confirm);
    return { destroyed: change.addon.name, release: await release(req.params.app, change.release) };
  });

  /** pg:psql and redis:cli run the local client with the add-on's URL. */
  app.get('/apps/:app/pg/credentials', { schema: { params: S.AppParams, querystring: S.CredentialsQuery, response: { 200: S.AddonCredentials } } }, async (req) => {
    const addon = await pgAddon(ctx, req.params.app, req.query.addon);
    return { addon: toApiAddon(addon), url: addonUrl(addon) };
  });
  app.get('/apps/:app/redis/credentials', { schema: { params: S.AppParams, querystring: S.CredentialsQuery, response: { 200: S.AddonCredentials } } }, async (req) => {
    const addon = await redisAddon(ctx, req.params.app, req.query.addon);
    return { addon: toApiAddon(addon), url: addonUrl(addon) };
  });

  app.get('/apps/:app/pg', { schema: { params: S.AppParams, response: { 200: Type.Array(S.PgInfo) } } }, async (req) => pgInfo(ctx, req.params.app));
  app.post('/apps/:app/pg/reset', { schema: { params: S.AppParams, body: S.ResetBody, response: { 200: S.Addon } } }, async (req) =>
    toApiAddon(await pgReset(ctx, req.params.app, req.body.addon, req.body.confirm)),
  );
  app.get('/apps/:app/redis', { schema: { params: S.AppParams, response: { 200: Type.Array(S.RedisInfo) } } }, async (req) => redisInfo(ctx, req.params.app));

  app.get('/apps/:app/backups', { schema: { params: S.AppParams, response: { 200: Type.Array(S.Backup) } } }, async (req) => (await listBackups(ctx, req.params.app)).map(toApiBackup));
  app.post('/apps/:app/backups', { schema: { params: S.AppParams, body: S.CaptureBody, response: { 201: S.Backup } } }, async (req, reply) =>
    reply.code(201).send(toApiBackup(await captureBackup(ctx, req.params.app, req.body.addon))),
  );
  app.post('/apps/:app/backups/restore', { schema: { params: S.AppParams, body: S.RestoreBody, response: { 200: S.RestoreResult } } }, async (req) => {
    const { backup, addon } = await restoreBackup(ctx, req.params.app, req.body);
    return { restored: backup.id, addon: addon.name };
  });
  app.get('/apps/:app/backups/:backup', { schema: { params: S.BackupParams, response: { 200: S.Backup } } }, async (req) => toApiBackup(await getBackup(ctx, req.params.app, req.params.backup)));
  /** The dump itself (pg:backups:download): a pg_restore-able custom-format file. */
  app.get('/apps/:app/backups/:backup/download', { schema: { params: S.BackupParams } }, async (req, reply) => {
    const backup = await getBackup(ctx, req.params.app, req.params.backup === 'latest' ? undefined : req.params.backup);
    return reply.type('application/octet-stream').header('x-backup-id', backup.id).send(createReadStream(backupFile(ctx, req.params.app, backup.id)));
  });
  app.delete('/apps/:app/backups/:backup', { schema: { params: S.BackupParams, body: S.ConfirmBody, response: { 200: S.Backup } } }, async (req) =>
    toApiBackup(await deleteBackup(ctx, req.params.app, req.params.backup, req.body?.confirm)),
  );
}
