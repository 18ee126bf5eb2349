/**
 * One HTTP request through the router: undici dispatches it to a dyno over a pooled keep-alive
 * connection and this handler streams the answer back to the client, chunk by chunk with
 * backpressure both ways, then writes the request's one log line. Failures map to Heroku's codes:
 * no answer in time H12, a connection closed or reset before an answer H13, a dyno that refuses
 * the connection (it just died) is retried once on another dyno, and the answer is H10 or H13
 * after that. A dyno that breaks off a started answer is H18; a client that leaves first is H27.
 *
 * The handler implements undici's callback interface (onConnect, onHeaders, onData, onComplete,
 * onError): the one undici's Client calls, on which its request()/stream() are built. The newer
 * controller interface (onRequestStart, onResponseStart, …) is an adapter over it that allocates
 * a controller and parses every response's headers into an object, per request; the router
 * needs neither (it relays the raw headers). Skipping it saved 1–17% (median ~10%) of the
 * router's CPU per request in paired rounds of test/bench/router.bench.ts's setup. undici's
 * types mark these callbacks deprecated; test/platform/router.test.ts exercises each of them
 * (pause and resume included), so an undici that drops them fails there first.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { sendError, type RouterErrorCode } from './error-page';
import type { ForwardedRequest } from './forwarded-headers';
import { logLine, type RequestFacts } from './log-line';
import type { ExchangeContext, RouteTarget } from './types';

/** Methods that a dyno may safely see twice: retried elsewhere on a connection lost before any answer. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

const kExchange = Symbol('exchange');
type TrackedResponse = ServerResponse & { [kExchange]?: HttpExchange };

/** Response headers that describe the dyno's connection, not the answer. */
function hopByHop(name: string): boolean {
  switch (name.length) {
    case 7:
      return /^(?:upgrade|trailer)$/i.test(name);
    case 10:
      return /^(?:connection|keep-alive)$/i.test(name);
    case 16:
      return /^proxy-connection$/i.test(name);
    case 17:
      return /^transfer-encoding$/i.test(name);
    default:
      return false;
  }
}

/** The dyno's raw response headers, `[name, value, …]` as Buffers, less the hop-by-hop ones, as strings. */
function responseHeaders(raw: readonly Buffer[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toString('latin1');
    if (!hopByHop(name)) out.push(name, raw[i + 1].toString('latin1'));
  }
  return out;
}

/** The request target as a dyno expects it: `/path?query` (absolute-form `http://host/path` too). */
function originForm(url: string | undefined): string {
  if (url === undefined || url === '') return '/';
  if (url.charCodeAt(0) === 47 /* / */) return url;
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return '/';
  }
}

function onClientClose(this: TrackedResponse): void {
  this[kExchange]?.clientClosed();
}

function onClientDrain(this: TrackedResponse): void {
  this[kExchange]?.clientDrained();
}

function errorCode(err: Error): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

export class HttpExchange implements Dispatcher.DispatchHandler {
  /** Set once undici writes the request to a connection: aborts it. */
  private abort: ((err: Error) => void) | null = null;
  /** Set with the response headers: resumes a response paused for backpressure. */
  private resume: (() => void) | null = null;
  private target: RouteTarget | null = null;
  private connectedAt = 0;
  private status = 0;
  private bytes = 0;
  private retried = false;
  private responded = false;
  private done = false;
  private clientGone = false;
  private readonly started = Date.now();

  constructor(
    private readonly ctx: ExchangeContext,
    private readonly app: string,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly forwarded: ForwardedRequest,
    private readonly facts: RequestFacts,
  ) {
    (res as TrackedResponse)[kExchange] = this;
    // 'close' comes once per response: `on` spares the wrapper `once` would allocate.
    res.on('close', onClientClose);
  }

  start(target: RouteTarget): void {
    if (this.target) this.ctx.inflight(this.app, this.target.port, -1);
    this.target = target;
    this.ctx.inflight(this.app, target.port, 1);
    this.abort = null;
    this.ctx.dispatcher.dispatch(
      {
        origin: this.ctx.origin(target.port),
        path: originForm(this.req.url),
        method: this.req.method ?? 'GET',
        headers: this.forwarded.headers,
        body: this.forwarded.hasBody ? this.req : null,
        headersTimeout: this.ctx.timeoutMs(),
        bodyTimeout: 0,
      },
      this,
    );
  }

  /** The request is being written to a connection to the dyno. */
  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    this.connectedAt = Date.now();
    if (this.clientGone) abort(new Error('client closed the connection'));
  }

  /** The dyno's status line and headers (1xx ones too, which are not relayed). Returns false to pause. */
  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusMessage: string): boolean {
    if (statusCode < 200 || this.clientGone) return true;
    this.resume = resume;
    const res = this.res;
    const out = responseHeaders(rawHeaders);
    try {
      if (statusMessage) res.writeHead(statusCode, statusMessage, out);
      else res.writeHead(statusCode, out);
    } catch (err) {
      // A header Node refuses to send: the dyno's answer cannot be relayed.
      this.abort?.(err as Error);
      return true;
    }
    this.status = statusCode;
    this.responded = true;
    return true;
  }

  /** A chunk of the answer; false pauses the dyno's side until the client drains. */
  onData(chunk: Buffer): boolean {
    if (this.clientGone) return true;
    this.bytes += chunk.length;
    if (this.res.write(chunk)) return true;
    this.res.once('drain', onClientDrain);
    return false;
  }

  onComplete(): void {
    this.res.end();
    this.finish(null, this.status);
  }

  onError(err: Error): void {
    // undici re-emits what this throws as an 'error' event on a pooled client: never throw.
    try {
      this.failed(err);
    } catch {
      this.res.destroy();
      this.finish('H13', 503);
    }
  }

  private failed(err: Error): void {
    if (this.done) return;
    if (this.clientGone) {
      this.finish('H27', 499);
      return;
    }
    if (this.responded) {
      this.res.destroy();
      this.finish('H18', this.status);
      return;
    }
    const code = errorCode(err);
    if (code === 'UND_ERR_HEADERS_TIMEOUT') return this.fail('H12');
    if (code === 'ECONNREFUSED') return this.refused();
    // A kept-alive connection the dyno closed (or reset) as the request went out: nothing was
    // answered, so a request without a body goes to another up dyno, as a refused one does.
    if ((code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') && !this.forwarded.hasBody && IDEMPOTENT.has(this.req.method ?? 'GET')) return this.refused();
    this.fail('H13');
  }

  /** The dyno refused the connection: try another one once, then answer as the app's state says. */
  private refused(): void {
    const failed = this.target?.port;
    const route = this.ctx.resolve(this.app);
    if (!route) return this.fail('H14');
    if (route.maintenance) return this.fail('H80');
    if (route.targets.length === 0) return this.fail(route.crashed ? 'H10' : 'H14');
    if (!this.retried && !this.req.destroyed) {
      const next = this.ctx.pick(this.app, route.targets, failed);
      if (next.port !== failed) {
        this.retried = true;
        this.start(next);
        return;
      }
    }
    this.fail('H13');
  }

  private fail(code: RouterErrorCode): void {
    this.bytes = 0;
    try {
      if (!this.res.headersSent) this.bytes = sendError(this.res, code);
      else this.res.destroy();
    } catch {
      this.res.destroy();
    }
    this.finish(code, 503);
  }

  clientClosed(): void {
    if (this.done || this.res.writableFinished) return;
    this.clientGone = true;
    if (this.abort) this.abort(new Error('client closed the connection'));
    else if (!this.target) this.finish('H27', 499);
  }

  clientDrained(): void {
    this.resume?.();
  }

  private finish(code: 'H10' | 'H12' | 'H13' | 'H14' | 'H18' | 'H27' | 'H80' | null, status: number): void {
    if (this.done) return;
    this.done = true;
    if (this.target) this.ctx.inflight(this.app, this.target.port, -1);
    (this.res as TrackedResponse)[kExchange] = undefined;
    const now = Date.now();
    const connected = this.connectedAt || now;
    this.ctx.log(this.app, logLine(this.facts, code, this.target?.dyno ?? null, connected - this.started, now - connected, status, this.bytes));
  }
}
