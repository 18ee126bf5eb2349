/**
 * The request headers a dyno receives: the client's, less hop-by-hop headers, plus what the
 * router adds (PLATFORM.md, Heroku's HTTP routing): `X-Request-Id` (a valid incoming id is kept,
 * otherwise a new uuid), `X-Forwarded-For` (the client's address appended), `X-Forwarded-Proto`
 * and `X-Forwarded-Port` (set). One pass over `req.rawHeaders`; Node's lazily built
 * `req.headers` object is never needed.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Heroku accepts an incoming request id of 20 to 200 letters, digits, `+`, `/`, `=` and `-`. */
const VALID_REQUEST_ID = /^[A-Za-z0-9+/=-]{20,200}$/;

export function requestIdFrom(incoming: string | undefined): string {
  return incoming !== undefined && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1), and `expect`, which the router answers itself. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect']);

export interface ForwardedRequest {
  /** `[name, value, …]` for the dyno. */
  headers: string[];
  /** The Host header as sent (`demo.localhost:5100`), or undefined. */
  host: string | undefined;
  requestId: string;
  /** X-Forwarded-For as sent to the dyno. */
  fwd: string;
  /** Whether the request has a body to stream (content-length above 0, or chunked). */
  hasBody: boolean;
}

/** For an HTTP request: reads `req.rawHeaders` once. */
export function forwardedRequest(req: IncomingMessage): ForwardedRequest {
  const raw = req.rawHeaders;
  const headers: string[] = [];
  let host: string | undefined;
  let incomingId: string | undefined;
  let xff: string | undefined;
  let connection: string | undefined;
  let hasBody = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    const lower = name.toLowerCase();
    switch (lower) {
      case 'host':
        if (host === undefined) host = value;
        headers.push(name, value);
        continue;
      case 'x-request-id':
        incomingId ??= value;
        continue;
      case 'x-forwarded-for':
        xff = xff === undefined ? value : `${xff}, ${value}`;
        continue;
      case 'x-forwarded-proto':
      case 'x-forwarded-port':
        continue;
      case 'content-length':
        if (value !== '0') hasBody = true;
        headers.push(name, value);
        continue;
      case 'transfer-encoding':
        hasBody = true;
        continue;
      case 'connection':
        connection = connection === undefined ? value : `${connection}, ${value}`;
        continue;
      default:
        if (HOP_BY_HOP.has(lower)) continue;
        headers.push(name, value);
    }
  }
  if (connection !== undefined) dropConnectionOptions(headers, connection);
  const requestId = requestIdFrom(incomingId);
  const fwd = appendFor(xff, req);
  headers.push('x-request-id', requestId, 'x-forwarded-for', fwd, 'x-forwarded-proto', 'http', 'x-forwarded-port', String(req.socket.localPort ?? ''));
  return { headers, host, requestId, fwd, hasBody };
}

function appendFor(xff: string | undefined, req: IncomingMessage): string {
  const remote = req.socket.remoteAddress ?? '';
  return xff === undefined || xff === '' ? remote : `${xff}, ${remote}`;
}

/**
 * For a WebSocket handshake, which the proxy library forwards from `req.headers`: sets the same
 * headers there (hop-by-hop headers stay: the handshake needs `connection` and `upgrade`).
 */
export function forwardUpgradeHeaders(req: IncomingMessage): { requestId: string; fwd: string } {
  const h = req.headers;
  const incoming = h['x-request-id'];
  const requestId = requestIdFrom(Array.isArray(incoming) ? incoming[0] : incoming);
  const xff = h['x-forwarded-for'];
  const fwd = appendFor(Array.isArray(xff) ? xff.join(', ') : xff, req);
  h['x-request-id'] = requestId;
  h['x-forwarded-for'] = fwd;
  h['x-forwarded-proto'] = 'http';
  h['x-forwarded-port'] = String(req.socket.localPort ?? '');
  return { requestId, fwd };
}

/** `Connection: close, X-Foo` also makes `X-Foo` hop-by-hop (RFC 9110 §7.6.1). */
function dropConnectionOptions(headers: string[], connection: string): void {
  const named = new Set<string>();
  for (const token of connection.split(',')) {
    const t = token.trim().toLowerCase();
    if (t !== '' && t !== 'close' && t !== 'keep-alive') named.add(t);
  }
  if (named.size === 0) return;
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    if (named.has(headers[i].toLowerCase())) headers.splice(i, 2);
  }
}
