/**
 * `build(opts)` assembles the platform without listening: the API (fastify), the router, the
 * log store and the state. `listen()` binds both ports on 127.0.0.1; `close()` releases it all.
 * main.ts is the process around it; tests use `fastify.inject` or `listen()` with ports 0.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { BuildCaches } from './builds/build';
import type { PlatformContext } from './context';
import { PlatformError } from './errors';
import { DynoManager } from './dynos';
import { EventBus } from './events';
import { appWorkDir, homePaths } from './discovery/home';
import { LogStore } from './logs';
import { createPlatformRouter } from './router/engine';
import type { Router } from './router/router';
import { loadSettings, type Settings } from './settings';
import { AppLocks } from './store/app-lock';
import { closeDb, getOptional, openDb, releaseKey, stateError, type ReleaseRecord } from './store/db';
import { failPendingReleases, releaseSpec } from './releases/releases';
import { sweepSlugsAtStart } from './store/slug-gc';
import { checkStateRecords } from './store/state-records';
import { ensureToken } from './discovery/token';
import { guard } from './http/security';
import { hygieneMessage } from './http/validation-message';
import { ajvOptions, compilersFactory } from './http/validators';
import { registerDynoRoutes, registerRoutes, registerStreamRoutes } from './http/routes';
import { registerGitRoutes } from './git/routes';
import { registerBackupRoutes } from './http/backup-routes';
import { VERSION } from './shared/version';
import { AddonServers } from './addons/addon-servers';
import { startAddons } from './addons/addons';
import { failRunningBackups } from './addons/backups';
import { registerAddonRoutes } from './http/addon-routes';

export interface BuildOptions {
  home: string;
  settings?: Partial<Settings>;
  logger?: boolean;
  onStop?: () => void;
}

export interface Platform {
  fastify: FastifyInstance;
  router: Router;
  ctx: PlatformContext;
  token: string;
  /**
   * Binds the API and the router on 127.0.0.1 (settings ports; 0 picks free ones), then runs
   * the formations again; resolves once the router routes and every dyno has started.
   * `onListening` comes earlier: both ports taken, the API answering (the router's nginx may
   * still be starting, the dynos are not yet).
   */
  listen(onListening?: (urls: { url: string; routerUrl: string }) => void): Promise<{ url: string; routerUrl: string }>;
  close(): Promise<void>;
}

export async function build(opts: BuildOptions): Promise<Platform> {
  const paths = homePaths(opts.home);
  mkdirSync(paths.root, { recursive: true, mode: 0o700 });
  for (const dir of [paths.slugs, paths.apps]) mkdirSync(dir, { recursive: true });
  const settings = loadSettings(paths.settings, opts.settings);
  const token = ensureToken(paths.token);
  // Refuses damaged or missing state with the file and the way to recover (store/state-check.ts).
  const db = await openDb(paths);
  let routerPort = settings.routerPort;
  const logs = new LogStore({ dir: (app) => join(appWorkDir(paths, app), 'logs'), historyLines: settings.logHistoryLines });
  const events = new EventBus();
  let routerBuilt: Router | undefined;
  const dynos = new DynoManager({
    appsDir: paths.apps,
    stateDir: join(paths.root, 'run'),
    // a sandboxed dyno never sees the platform's home (its token, the other apps)
    hide: [paths.root],
    settings: () => settings,
    log: (app, source, dyno, message) => logs.append(app, source, dyno, message),
    onChange: (app) => events.emit('dynos', app),
    // The router is built below, after the context it reads; nothing retires a dyno before.
    routesChanged: () => routerBuilt?.refresh() ?? Promise.resolve(),
  });
  const ctx: PlatformContext = {
    db,
    paths,
    settings,
    locks: new AppLocks(),
    logs,
    dynos,
    builds: new BuildCaches(),
    events,
    addons: new AddonServers(paths.root, (message) => process.stderr.write(`slipway platform: ${message}\n`)),
    apps: new Map(),
    version: VERSION,
    routerPort: () => routerPort,
  };
  let apps;
  try {
    // The whole state is read once here, so a damaged table stops the start rather than a request.
    apps = await checkStateRecords(db, paths);
  } catch (err) {
    await db.close();
    throw stateError(paths, err);
  }
  for (const app of apps) ctx.apps.set(app.name, { maintenance: app.maintenance ?? false });
  await dynos.recover();
  await failPendingReleases(ctx);
  // Never deletes a slug: what no release mentions is moved aside and listed (store/orphans.ts).
  const sweep = await sweepSlugsAtStart(ctx);
  if (sweep.movedAside.length > 0) {
    process.stderr.write(`slipway platform: ${sweep.movedAside.length} slug(s) that no release mentions were moved aside to ${dirname(sweep.movedAside[0])} (platform:status lists them; remove them yourself when sure)\n`);
  }
  // the add-ons' servers are up (or taken over) before any dyno starts (listen runs the formations)
  await failRunningBackups(ctx);
  await startAddons(ctx);

  const router: Router = (routerBuilt = createPlatformRouter({
    engine: settings.routerEngine,
    dir: join(paths.root, 'router'),
    apps: () => ctx.apps.keys(),
    resolve: (app) => {
      const state = ctx.apps.get(app);
      return state ? { maintenance: state.maintenance, targets: dynos.webTargets(app), crashed: dynos.anyWebCrashed(app) } : null;
    },
    log: (app, message) => logs.append(app, 'slipway', 'router', message),
    timeoutMs: () => settings.routerTimeoutS * 1000,
    warn: (message) => process.stderr.write(`slipway platform: ${message}\n`),
  }));
  // Apps created or deleted, maintenance, dynos up or gone: the nginx engine reloads its routes.
  events.subscribe(() => void router.refresh());

  // Validators compile per route on first use, responses are JSON.stringify (validators.ts).
  const fastify = Fastify({ logger: opts.logger ?? false, bodyLimit: 1024 * 1024, forceCloseConnections: true, schemaController: { compilersFactory }, ajv: ajvOptions });
  fastify.addHook('onRequest', guard(token));
  // A change that moves routes (an app created or deleted, maintenance) answers once the router
  // uses them (the nginx engine reloads); unchanged routes cost a comparison. Dyno changes are
  // awaited by the dyno manager itself (routesChanged).
  fastify.addHook('onSend', async (req, _reply, payload) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') await router.refresh();
    return payload;
  });
  fastify.setErrorHandler((err: Error & { validation?: unknown; statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof PlatformError) return reply.code(err.status).send({ error: { code: err.code, message: err.message } });
    if (err.validation) return reply.code(400).send({ error: { code: 'invalid_request', message: hygieneMessage(req, err.validation, (err as { validationContext?: string }).validationContext) ?? err.message } });
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ error: { code: (err.code ?? 'bad_request').toLowerCase(), message: err.message } });
    }
    req.log.error(err);
    process.stderr.write(`slipway platform: ${err.stack ?? err.message}\n`);
    return reply.code(500).send({ error: { code: 'internal', message: 'internal error in the platform; see its log' } });
  });
  fastify.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: { code: 'route_not_found', message: `no such API route: ${req.method} ${req.url.split('?')[0]}` } }),
  );
  const urls = () => {
    const addr = fastify.server.address();
    const apiPort = addr && typeof addr === 'object' ? addr.port : settings.apiPort;
    return { url: `http://127.0.0.1:${apiPort}`, routerUrl: `http://127.0.0.1:${routerPort}` };
  };
  registerRoutes(fastify, ctx, { onStop: opts.onStop, urls, routerEngine: () => router.engine });
  registerStreamRoutes(fastify, ctx);
  registerDynoRoutes(fastify, ctx);
  registerGitRoutes(fastify, ctx);
  registerBackupRoutes(fastify, ctx);
  registerAddonRoutes(fastify, ctx);

  let closed: Promise<void> | null = null;
  const close = () =>
    (closed ??= (async () => {
      await router.close();
      await fastify.close();
      await ctx.locks.idle();
      await dynos.stopAll();
      // after the dynos: an app never sees its database go away under it
      await ctx.addons.stopAll();
      await logs.close();
      await closeDb(db, paths);
    })());

  return {
    fastify,
    router,
    ctx,
    token,
    async listen(onListening) {
      // Side by side: the nginx engine takes ~30 ms and more to start its nginx, and the
      // platform is announced (onListening) once both ports are taken, not when nginx is up.
      let portTaken: (port: number) => void = () => undefined;
      const taken = new Promise<number>((resolve) => (portTaken = resolve));
      const routing = router.listen(settings.routerPort, (port) => portTaken(port));
      routing.catch(() => undefined); // awaited below
      await fastify.listen({ host: '127.0.0.1', port: settings.apiPort });
      routerPort = await Promise.race([taken, routing]);
      onListening?.(urls());
      routerPort = await routing;
      // The formation runs again after a restart (the dynos' PORTs are free loopback ports).
      for (const app of apps) {
        const current = app.currentRelease === null ? null : await getOptional<ReleaseRecord>(db, releaseKey(app.name, app.currentRelease));
        if (current) await dynos.apply(releaseSpec(ctx, current), app.formation);
      }
      return urls();
    },
    close,
  };
}
