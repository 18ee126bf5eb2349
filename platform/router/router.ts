/**
 * The router: one HTTP port for every app. `http://APP.localhost:PORT/` is routed by Host,
 * round-robin over the app's `up` web dynos (PLATFORM.md, Router). HTTP goes through undici (a
 * keep-alive connection pool per dyno, streaming both ways, see http-exchange.ts); WebSocket
 * upgrades through http-proxy-3 (websocket.ts). The router's own answers are Heroku's: 503 with
 * H10, H12, H13, H14 or H80, and a 404 page for a host that names no app.
 *
 * The platform owns the state: `resolve(app)` is called once per request (and once more when a
 * dyno refuses the connection), synchronously, and `log` receives one line per request.
 */
import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Agent } from 'undici';
import { hostName } from '../http/security';
import { sendError, sendNoSuchApp, writeError, writeNoSuchApp, type RouterErrorCode } from './error-page';
import { forwardedRequest, forwardUpgradeHeaders } from './forwarded-headers';
import { HttpExchange } from './http-exchange';
import type { AppRoute, ExchangeContext } from './types';

export type { AppRoute, RouteTarget } from './types';
import { logLine, type RequestFacts } from './log-line';
import type { WebSocketPassage } from './websocket';
import { APP_NAME_SOURCE } from '../shared/app-name';

export interface RouterOptions {
  /** null: no such app. Synchronous: the platform keeps routes in memory. */
  resolve(app: string): AppRoute | null;
  /** One router line per request, without the timestamp and source prefix. Keep it cheap. */
  log(app: string, message: string): void;
  /** H12: how long a dyno has to start answering (30 s by default; a setting). */
  timeoutMs(): number;
}

export interface Router {
  /** What serves the port: this process (node, this file) or an nginx it runs (nginx/). */
  readonly engine: 'node' | 'nginx';
  /**
   * Binds 127.0.0.1 only; resolves with the bound port (0 picks a free one) once it routes.
   * `bound` is told the port as soon as it is known and taken, which for the nginx engine is
   * before its nginx has started (the platform announces itself then, main.ts).
   */
  listen(port: number, bound?: (port: number) => void): Promise<number>;
  /**
   * Routes changed: resolves once new requests see them and no request is in flight to a dyno
   * that left them (node engine; it resolves routes per request); the nginx engine rewrites its
   * config and reloads.
   */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

const APP_HOST = new RegExp(`^(${APP_NAME_SOURCE})\\.localhost\\.?$`);

/** `demo.localhost:5100` → `demo`; null when the host is not an app host. */
export function appFromHost(host: string | undefined): string | null {
  if (!host) return null;
  const m = APP_HOST.exec(hostName(host));
  return m ? m[1] : null;
}

interface HostInfo {
  app: string;
  /** The host name without the port, for the log line. */
  name: string;
}

/** Host header → app, remembered: a handful of distinct values arrive over and over. */
class HostCache {
  private readonly known = new Map<string, HostInfo | null>();

  lookup(host: string | undefined): HostInfo | null {
    if (host === undefined) return null;
    let info = this.known.get(host);
    if (info === undefined) {
      const name = hostName(host);
      const m = APP_HOST.exec(name);
      info = m ? { app: m[1], name: name.endsWith('.') ? name.slice(0, -1) : name } : null;
      if (this.known.size >= 1024) this.known.clear();
      this.known.set(host, info);
    }
    return info;
  }
}

/** Why a route cannot take a request now, or null when it has an up web dyno. */
function unavailable(route: AppRoute): RouterErrorCode | null {
  if (route.maintenance) return 'H80';
  if (route.targets.length === 0) return route.crashed ? 'H10' : 'H14';
  return null;
}

/*
 * undici (a third of the platform bundle) and http-proxy-3 load on the router's first request
 * that needs them, not at platform start (issue 2: the API answers within 300 ms). esbuild
 * evaluates a bundled module that is only `require`d in a function body when the call runs.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
// Pools per dyno origin; an origin whose connections are all gone is dropped by the agent.
const newAgent = (): Agent => new (require('undici') as typeof import('undici')).Agent({ bodyTimeout: 0, keepAliveTimeout: 4_000, connect: { timeout: 10_000 } });
const newWebSockets = (ctx: ExchangeContext): WebSocketPassage => new (require('./websocket') as typeof import('./websocket')).WebSocketPassage(ctx);
/* eslint-enable @typescript-eslint/no-require-imports */

/** How long refresh() waits for the requests in flight to a leaving dyno. */
const DRAIN_MS = 10_000;

export function createRouter(opts: RouterOptions): Router & { server: Server } {
  let agent: Agent | undefined;
  const next = new Map<string, number>();
  const origins = new Map<number, string>();
  const hosts = new HostCache();
  /** Exchanges in flight per dyno port, with the app they are for. */
  const busy = new Map<number, { app: string; n: number }>();

  const log = (app: string, line: string): void => {
    try {
      opts.log(app, line);
    } catch {
      // A failing log sink must not break routing.
    }
  };

  const ctx: ExchangeContext = {
    get dispatcher() {
      return (agent ??= newAgent());
    },
    resolve: (app) => opts.resolve(app),
    pick(app, targets, exceptPort) {
      const n = next.get(app) ?? 0;
      let target = targets[n % targets.length];
      let used = 1;
      if (exceptPort !== undefined && target.port === exceptPort && targets.length > 1) {
        target = targets[(n + 1) % targets.length];
        used = 2;
      }
      next.set(app, (n + used) % targets.length);
      return target;
    },
    origin(port) {
      let o = origins.get(port);
      if (o === undefined) {
        o = `http://127.0.0.1:${port}`;
        if (origins.size >= 4096) origins.clear();
        origins.set(port, o);
      }
      return o;
    },
    log,
    timeoutMs: () => opts.timeoutMs(),
    inflight(app, port, delta) {
      const b = busy.get(port);
      if (b) {
        b.n += delta;
        if (b.n <= 0) busy.delete(port);
      } else if (delta > 0) busy.set(port, { app, n: 1 });
    },
  };

  /** A port with requests in flight that its app no longer routes to (a dyno about to stop). */
  const leaving = (): boolean => {
    for (const [port, { app }] of busy) {
      const route = opts.resolve(app);
      if (!route || !route.targets.some((t) => t.port === port)) return true;
    }
    return false;
  };

  /**
   * Routes are resolved per request; what a change needs is that a dyno leaving them gets no
   * SIGTERM while it still answers: resolves once no request is in flight to such a dyno (at
   * most DRAIN_MS: a long stream's dyno stops all the same, as on Heroku).
   */
  async function drained(): Promise<void> {
    const deadline = Date.now() + DRAIN_MS;
    while (leaving() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  }
  let websockets: WebSocketPassage | undefined;

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    try {
      const forwarded = forwardedRequest(req);
      const host = hosts.lookup(forwarded.host);
      const route = host && opts.resolve(host.app);
      if (!host || !route) return sendNoSuchApp(res);
      const facts: RequestFacts = { method: req.method ?? 'GET', path: req.url ?? '/', host: host.name, requestId: forwarded.requestId, fwd: forwarded.fwd };
      const code = unavailable(route);
      if (code) {
        log(host.app, logLine(facts, code, null, 0, 0, 503, sendError(res, code)));
        return;
      }
      new HttpExchange(ctx, host.app, req, res, forwarded, facts).start(ctx.pick(host.app, route.targets));
    } catch {
      // A bug or a failing resolve(): answer, never crash the platform.
      if (!res.headersSent) sendError(res, 'H13');
      else res.destroy();
    }
  }

  function onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (req.headers.upgrade?.toLowerCase() !== 'websocket') return plainAnswer(req, socket);
    try {
      const host = hosts.lookup(req.headers.host);
      const route = host && opts.resolve(host.app);
      if (!host || !route) return writeNoSuchApp(socket);
      const { requestId, fwd } = forwardUpgradeHeaders(req);
      const facts: RequestFacts = { method: req.method ?? 'GET', path: req.url ?? '/', host: host.name, requestId, fwd };
      const code = unavailable(route);
      if (code) {
        log(host.app, logLine(facts, code, null, 0, 0, 503, writeError(socket, code)));
        return;
      }
      (websockets ??= newWebSockets(ctx)).forward(req, socket, head, host.app, facts, ctx.pick(host.app, route.targets));
    } catch {
      socket.destroy();
    }
  }

  /**
   * Another upgrade (`curl --http2` asks for h2c): the router speaks HTTP/1.1 only, so the request
   * is answered as a plain one, on a connection that closes after the answer.
   */
  function plainAnswer(req: IncomingMessage, socket: Socket): void {
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    res.once('finish', () => {
      res.detachSocket(socket);
      socket.destroySoon();
    });
    onRequest(req, res);
  }

  // No overall request deadline: uploads and answers may stream for as long as they need.
  const server = createServer({ requestTimeout: 0, keepAliveTimeout: 65_000 }, onRequest);
  server.on('upgrade', onUpgrade);
  // Past listen(), an 'error' (EMFILE on accept, say) must not take the platform down.
  server.on('error', () => undefined);

  return {
    engine: 'node',
    server,
    refresh: drained,
    listen(port: number, bound?: (port: number) => void): Promise<number> {
      return new Promise((resolve, reject) => {
        const onError = (err: Error): void => reject(err);
        server.once('error', onError);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', onError);
          const p = (server.address() as AddressInfo).port;
          bound?.(p);
          resolve(p);
        });
      });
    },
    async close(): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      websockets?.closeAll();
      await Promise.all([closed, agent?.destroy()]);
    },
  };
}
