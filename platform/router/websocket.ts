/**
 * WebSocket upgrades through the router. http-proxy-3 (a maintained rewrite of http-proxy)
 * forwards the handshake to the dyno on a fresh connection and, once the dyno answers 101, pipes
 * the two sockets; a dyno that answers with plain HTTP has that answer relayed. This module adds
 * what the platform needs around it: the X-Forwarded-* and X-Request-Id headers, the H12 timeout
 * on the handshake, one retry when a dyno refuses the connection, the log line (status=101 once
 * upgraded), and closing every upgraded connection when the router closes.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { createProxyServer } from 'http-proxy-3';
import { writeError, type RouterErrorCode } from './error-page';
import type { ExchangeContext, RouteTarget } from './types';
import { logLine, type RequestFacts } from './log-line';

interface Handshake {
  app: string;
  facts: RequestFacts;
  socket: Socket;
  target: RouteTarget;
  started: number;
  connectedAt: number;
  retried: boolean;
  timer: NodeJS.Timeout | null;
  timedOut: boolean;
  /** The dyno answered (101 or plain HTTP): what follows is not the router's to answer. */
  answered: boolean;
  /** The handshake request to the dyno, then the upgraded connection. */
  request: ClientRequest | null;
  upstream: Socket | null;
  logged: boolean;
}

const noop = (): void => {};
const EMPTY = Buffer.alloc(0);

export class WebSocketPassage {
  private readonly proxy = createProxyServer({ xfwd: false, changeOrigin: false });
  private readonly handshakes = new WeakMap<IncomingMessage, Handshake>();
  private readonly open = new Set<Socket>();

  constructor(private readonly ctx: ExchangeContext) {
    this.proxy.on('error', noop);
    this.proxy.on('proxyReqWs', (proxyReq, req) => this.sent(proxyReq, req));
  }

  /** Forwards an upgrade request whose route has an up web dyno. */
  forward(req: IncomingMessage, socket: Socket, head: Buffer, app: string, facts: RequestFacts, target: RouteTarget): void {
    const h: Handshake = { app, facts, socket, target, started: Date.now(), connectedAt: 0, retried: false, timer: null, timedOut: false, answered: false, request: null, upstream: null, logged: false };
    this.handshakes.set(req, h);
    this.open.add(socket);
    socket.once('close', () => {
      this.open.delete(socket);
      if (h.timer) clearTimeout(h.timer);
      if (!h.answered) {
        // The client left before the dyno answered: stop the handshake too.
        h.answered = true;
        h.request?.destroy();
        this.finish(h, 'H27', 499, 0);
      }
      // The library only half-closes the dyno's side; a dyno that never answers the FIN would
      // hold the connection forever. Close it once what is written has left.
      if (h.upstream) {
        this.open.delete(h.upstream);
        h.upstream.destroySoon();
      }
    });
    // Sockets of an HTTP server stay half-open on the client's FIN; before the dyno's answer that
    // FIN means the client has left.
    socket.once('end', () => {
      if (!h.answered) socket.destroy();
    });
    this.attempt(req, h, head);
  }

  /** Ends every connection this passage holds (the router is closing). */
  closeAll(): void {
    for (const socket of this.open) socket.destroy();
    this.open.clear();
  }

  private attempt(req: IncomingMessage, h: Handshake, head: Buffer): void {
    this.proxy.ws(req, h.socket, head, { target: { host: '127.0.0.1', port: h.target.port } }, (err) => this.failed(req, h, err));
  }

  /** The handshake left for the dyno: time it, and watch for the dyno's answer. */
  private sent(proxyReq: ClientRequest, req: IncomingMessage): void {
    const h = this.handshakes.get(req);
    if (!h) return;
    h.request = proxyReq;
    proxyReq.once('socket', (s: Socket) => {
      if (s.connecting) s.once('connect', () => (h.connectedAt = Date.now()));
      else h.connectedAt = Date.now();
    });
    h.timer = setTimeout(() => {
      h.timedOut = true;
      proxyReq.destroy(new Error('request timeout'));
    }, this.ctx.timeoutMs());
    proxyReq.once('upgrade', (_res: IncomingMessage, upstream: Socket) => {
      this.answer(h);
      h.upstream = upstream;
      if (h.socket.destroyed) return void upstream.destroy();
      this.open.add(upstream);
      upstream.once('close', () => this.open.delete(upstream));
      this.finish(h, null, 101, 0);
    });
    proxyReq.once('response', (proxyRes: IncomingMessage) => {
      this.answer(h);
      // The library relays this answer, then closes the connection: say so.
      proxyRes.headers.connection = 'close';
      let bytes = 0;
      proxyRes.on('data', (chunk: Buffer) => (bytes += chunk.length));
      proxyRes.once('end', () => this.finish(h, null, proxyRes.statusCode ?? 0, bytes));
      proxyRes.once('error', () => this.finish(h, 'H18', proxyRes.statusCode ?? 0, bytes));
    });
  }

  private answer(h: Handshake): void {
    h.answered = true;
    if (h.timer) clearTimeout(h.timer);
    h.timer = null;
  }

  /** http-proxy-3's error callback: it ends the client socket right after this returns. */
  private failed(req: IncomingMessage, h: Handshake, err: Error): void {
    if (h.timer) clearTimeout(h.timer);
    h.timer = null;
    if (h.answered || h.logged) return;
    if (h.timedOut) return this.fail(h, 'H12');
    if ((err as NodeJS.ErrnoException).code !== 'ECONNREFUSED') return this.fail(h, 'H13');
    const route = this.ctx.resolve(h.app);
    if (!route) return this.fail(h, 'H14');
    if (route.maintenance) return this.fail(h, 'H80');
    if (route.targets.length === 0) return this.fail(h, route.crashed ? 'H10' : 'H14');
    const next = this.ctx.pick(h.app, route.targets, h.target.port);
    if (h.retried || next.port === h.target.port) return this.fail(h, 'H13');
    // Retry on another dyno. The library calls socket.destroySoon() once this callback returns;
    // skip that one call on this socket (the client is still waiting for its answer).
    h.retried = true;
    h.target = next;
    const socket = h.socket;
    socket.destroySoon = noop;
    queueMicrotask(() => {
      Reflect.deleteProperty(socket, 'destroySoon');
      if (!socket.destroyed) this.attempt(req, h, EMPTY);
    });
  }

  private fail(h: Handshake, code: RouterErrorCode): void {
    h.answered = true;
    this.finish(h, code, 503, writeError(h.socket, code));
  }

  private finish(h: Handshake, code: RouterErrorCode | 'H18' | 'H27' | null, status: number, bytes: number): void {
    if (h.logged) return;
    h.logged = true;
    const now = Date.now();
    const connected = h.connectedAt || now;
    this.ctx.log(h.app, logLine(h.facts, code, h.target.dyno, connected - h.started, now - connected, status, bytes));
  }
}
