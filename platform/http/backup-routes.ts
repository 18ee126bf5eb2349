/** POST /platform/backups: a consistent copy of the state and the slugs (store/backup.ts). */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { PlatformContext } from '../context';
import { backupState } from '../store/backup';
import * as S from '../api/schemas';

export function registerBackupRoutes(fastify: FastifyInstance, ctx: PlatformContext): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post('/platform/backups', { schema: { body: S.BackupBody, response: { 201: S.BackupResult } } }, async (req, reply) =>
    reply.code(201).send(await backupState(ctx, req.body.file)),
  );
}
