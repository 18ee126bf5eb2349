/**
 * The route table: one line of schema and one service call per verb. Only this layer knows
 * HTTP; services throw typed errors (errors.ts) that app.ts maps to status codes.
 */
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { createApp, destroyApp, getApp, listApps, toApiApp } from '../apps/apps';
import { getMaintenance, setMaintenance } from '../apps/maintenance';
import { clearBuildpacks, getBuildpacks, setBuildpacks } from '../builds/app-buildpacks';
import type { PlatformContext } from '../context';
import { PlatformError, invalid } from '../errors';
import type { LogFilter, LogLine } from '../logs';
import { parseTimeSpec } from '../logs/time-spec';
import { listOrphans } from '../store/orphans';
import { getFormation, listDynos, restart, runOneOff, scale, stopDyno } from '../ps/ps';
import { Readable, Writable } from 'node:stream';
import { getConfig, setConfig } from '../releases/config';
import { checkDeploy, deploy } from '../releases/deploy';
import { appReleases, releaseInfo, toApiRelease } from '../releases/releases';
import { rollback } from '../releases/rollback';
import { ndjsonStream } from './ndjson-stream';
import { readRunInput } from './run-input';
import * as S from '../api/schemas';

export interface RouteHooks {
  /** Called by POST /platform/stop; the process decides how to close. */
  onStop?: () => void;
  urls(): { url: string; routerUrl: string };
  routerEngine(): 'node' | 'nginx';
}

export function registerRoutes(fastify: FastifyInstance, ctx: PlatformContext, hooks: RouteHooks): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/platform', { schema: { response: { 200: S.PlatformStatus } } }, () => ({
    running: true,
    ...hooks.urls(),
    routerEngine: hooks.routerEngine(),
    pid: process.pid,
    version: ctx.version,
    home: ctx.paths.root,
    orphans: listOrphans(ctx.paths),
  }));

  app.post('/platform/stop', { schema: { response: { 202: S.Stopping } } }, async (_req, reply) => {
    if (!hooks.onStop) throw new PlatformError('not_supported', 'this platform was not started as a process that can be stopped over the API', 409);
    setImmediate(hooks.onStop);
    return reply.code(202).send({ stopping: true });
  });

  app.get('/apps', { schema: { response: { 200: Type.Array(S.App) } } }, async () => (await listApps(ctx)).map((a) => toApiApp(ctx, a)));

  app.post('/apps', { schema: { body: S.CreateAppBody, response: { 201: S.App } } }, async (req, reply) => {
    const rec = await createApp(ctx, req.body.name);
    return reply.code(201).send(toApiApp(ctx, rec));
  });

  app.get('/apps/:app', { schema: { params: S.AppParams, response: { 200: S.App } } }, async (req) => toApiApp(ctx, await getApp(ctx, req.params.app)));

  app.delete('/apps/:app', { schema: { params: S.AppParams, response: { 200: S.Destroyed } } }, async (req) => {
    await destroyApp(ctx, req.params.app);
    return { destroyed: req.params.app };
  });

  app.get('/apps/:app/releases', { schema: { params: S.AppParams, querystring: S.ReleasesQuery, response: { 200: Type.Array(S.Release) } } }, async (req) =>
    appReleases(ctx, req.params.app, req.query.limit),
  );

  app.get('/apps/:app/releases/:version', { schema: { params: S.ReleaseParams, response: { 200: S.ReleaseInfo } } }, async (req) =>
    releaseInfo(ctx, req.params.app, req.params.version),
  );

  app.post('/apps/:app/rollback', { schema: { params: S.AppParams, body: S.RollbackBody, response: { 201: S.RollbackResult } } }, async (req, reply) => {
    return reply.code(201).send(await rollback(ctx, req.params.app, req.body.version, { restoreData: req.body.restoreData, confirm: req.body.confirm }));
  });

  app.get('/apps/:app/config', { schema: { params: S.AppParams, response: { 200: S.ConfigVars } } }, async (req) => getConfig(ctx, req.params.app));

  app.patch('/apps/:app/config', { schema: { params: S.AppParams, body: S.ConfigPatchBody, response: { 200: S.ConfigPatchResult } } }, async (req) =>
    setConfig(ctx, req.params.app, req.body.set ?? {}, req.body.unset ?? []),
  );

  /** The app's custom classic buildpack; a change takes effect on the next deploy (no release). */
  app.get('/apps/:app/buildpacks', { schema: { params: S.AppParams, response: { 200: S.Buildpacks } } }, async (req) => ({
    buildpacks: await getBuildpacks(ctx, req.params.app),
  }));

  app.put('/apps/:app/buildpacks', { schema: { params: S.AppParams, body: S.SetBuildpacksBody, response: { 200: S.Buildpacks } } }, async (req) => ({
    buildpacks: await setBuildpacks(ctx, req.params.app, req.body.buildpacks),
  }));

  app.delete('/apps/:app/buildpacks', { schema: { params: S.AppParams, response: { 200: S.Buildpacks } } }, async (req) => ({
    buildpacks: await clearBuildpacks(ctx, req.params.app),
  }));

  /**
   * Deploy answers with NDJSON (application/x-ndjson): `output` events while the build runs,
   * then exactly one `release` or `error` event. Problems found before the build starts (no such
   * app, no such folder) are a plain 4xx JSON error instead.
   */
  app.post('/apps/:app/deploys', { schema: { params: S.AppParams, body: S.DeployBody } }, async (req, reply) => {
    const { app: name } = req.params;
    await checkDeploy(ctx, name, req.body);
    const out = new PassThrough();
    const send = (event: S.DeployEvent) => out.write(JSON.stringify(event) + '\n');
    // A deploy whose caller went away (Ctrl-C, a git push whose platform is stopping) is
    // cancelled before it releases: a rejected push must never leave a release behind.
    const cancel = new AbortController();
    let finished = false;
    req.raw.socket.once('close', () => finished || cancel.abort());
    deploy(ctx, name, req.body, (line) => send({ type: 'output', line }), cancel.signal)
      .then(async (release) => send({ type: 'release', release: toApiRelease(await getApp(ctx, name), release) }))
      .catch((err: unknown) => {
        const known = err instanceof PlatformError;
        if (!known) req.log.error(err);
        send({ type: 'error', error: { code: known ? err.code : 'internal', message: known ? err.message : 'the deploy failed inside the platform; see its log' } });
      })
      .finally(() => {
        finished = true;
        out.end();
      });
    return reply.code(200).type('application/x-ndjson').send(out);
  });
}

function logFilter(q: { ps?: string; source?: LogLine['source']; since?: string; until?: string }): LogFilter {
  const time = (name: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const d = parseTimeSpec(text);
    if (!d) throw invalid('invalid_time', `--${name} "${text}" is not a time: give ISO 8601 (2026-11-22T02:46:07Z) or a relative time (30s, 10m, 2h, 1d)`);
    return d;
  };
  return { dyno: q.ps, source: q.source, since: time('since', q.since), until: time('until', q.until) };
}

export function registerStreamRoutes(fastify: FastifyInstance, ctx: PlatformContext): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  /** The last n lines (oldest first); with `tail=true` an NDJSON stream of them and then every new line. */
  app.get('/apps/:app/logs', { schema: { params: S.AppParams, querystring: S.LogsQuery } }, async (req, reply) => {
    const rec = await getApp(ctx, req.params.app);
    const filter = logFilter(req.query);
    if (!req.query.tail) return ctx.logs.read(rec.name, { n: req.query.n, ...filter });
    return ndjsonStream(req, reply, (out) => {
      // Subscribe first and hold live lines until the history is out, so none falls in between.
      const held: LogLine[] = [];
      let live = false;
      const stop = ctx.logs.follow(rec.name, filter, {
        write: (line) => (live ? out.write(line) : (held.push(line), true)),
        onDrain: (cb) => out.onDrain(cb),
      });
      void ctx.logs.read(rec.name, { n: req.query.n, ...filter }).then((history) => {
        const seen = new Set(history);
        for (const line of history) out.write(line);
        for (const line of held) if (!seen.has(line)) out.write(line);
        live = true;
      });
      return stop;
    });
  });

  /** What changed, as it happens (NDJSON); a `hello` event first so a client knows it is connected. */
  app.get('/events', async (req, reply) =>
    ndjsonStream(req, reply, (out) => {
      out.write({ kind: 'hello', app: null, time: new Date().toISOString() });
      return ctx.events.subscribe((event) => void out.write(event));
    }),
  );

  app.get('/apps/:app/maintenance', { schema: { params: S.AppParams, response: { 200: S.Maintenance } } }, async (req) => getMaintenance(ctx, req.params.app));

  app.put('/apps/:app/maintenance', { schema: { params: S.AppParams, body: S.Maintenance, response: { 200: S.Maintenance } } }, async (req) =>
    setMaintenance(ctx, req.params.app, req.body.maintenance),
  );
}

export function registerDynoRoutes(fastify: FastifyInstance, ctx: PlatformContext): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/apps/:app/dynos', { schema: { params: S.AppParams, response: { 200: Type.Array(S.Dyno) } } }, async (req) => listDynos(ctx, req.params.app));

  app.get('/apps/:app/formation', { schema: { params: S.AppParams, response: { 200: S.Formation } } }, async (req) => getFormation(ctx, req.params.app));

  app.patch('/apps/:app/formation', { schema: { params: S.AppParams, body: S.ScaleBody, response: { 200: S.Formation } } }, async (req) =>
    scale(ctx, req.params.app, req.body.changes),
  );

  app.post('/apps/:app/dynos/restart', { schema: { params: S.AppParams, body: S.RestartBody, response: { 200: Type.Array(S.Dyno) } } }, async (req) =>
    restart(ctx, req.params.app, req.body.target),
  );

  app.post('/apps/:app/dynos/:dyno/stop', { schema: { params: S.StopDynoParams, response: { 200: Type.Array(S.Dyno) } } }, async (req) =>
    stopDyno(ctx, req.params.app, req.params.dyno),
  );

  /**
   * A one-off dyno attached to the caller. The response is an NDJSON stream of RunEvent:
   * `started` (its name, and whether it has a pseudo-terminal), `{ "type": "stdout"|"stderr",
   * "data": base64 }` and a final `{ "type": "exit", "code" }`. Without `tty`, the request body
   * (application/octet-stream) is the command's stdin. With `tty=true` the command runs on a
   * pseudo-terminal (dynos/pty.ts; its output is all `stdout`), and the request body
   * (application/x-ndjson) carries RunInput lines: keystrokes and resizes. Both directions
   * stream at once over the one HTTP/1.1 exchange. When the caller goes away before the
   * command has exited, the dyno is stopped.
   */
  void fastify.register((scope, _opts, registered) => {
    // `run` streams the caller's stdin (or, with a tty, its keystrokes as NDJSON) as the request
    // body: this route alone takes it unparsed.
    scope.addContentTypeParser(['application/octet-stream', 'application/x-ndjson'], (_req, payload, done) => done(null, payload));
    registerRunRoute(scope, ctx);
    registered();
  });
}

function registerRunRoute(fastify: FastifyInstance, ctx: PlatformContext): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post('/apps/:app/run', { schema: { params: S.AppParams, querystring: S.RunQuery } }, async (req, reply) => {
    const out = new PassThrough();
    const send = (v: S.RunEvent) => out.write(JSON.stringify(v) + '\n');
    const sink = (type: 'stdout' | 'stderr') =>
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          send({ type, data: chunk.toString('base64') });
          cb();
        },
      });
    const body = req.body instanceof Readable ? req.body : undefined;
    const q = req.query;
    const tty = q.tty ? { cols: q.cols ?? 80, rows: q.rows ?? 24, term: q.term } : undefined;
    const keys = tty ? new PassThrough() : undefined;
    const run = await runOneOff(ctx, req.params.app, q.command, { stdin: keys ?? body, stdout: sink('stdout'), stderr: sink('stderr') }, { tty });
    send({ type: 'started', dyno: run.name, tty: run.tty });
    if (keys) {
      if (body) readRunInput(body, (input) => (input.type === 'stdin' ? keys.write(Buffer.from(input.data, 'base64')) : run.resize(input)), () => keys.end());
      else keys.end();
    }
    let ended = false;
    // The response's close, not the request's: a request closes once its body is read.
    reply.raw.once('close', () => {
      if (!ended) void ctx.dynos.stop(req.params.app, run.name).catch(() => undefined);
    });
    void run.exit.then((code) => {
      ended = true;
      send({ type: 'exit', code });
      out.end();
    });
    return reply.code(200).type('application/x-ndjson').send(out);
  });
}
