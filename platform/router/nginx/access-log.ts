/**
 * The nginx engine's log lines: nginx writes one record per request (config.ts, LOG_FIELDS)
 * into a named pipe in the router's directory; the platform reads it and turns each record into
 * the router's line in the node engine's format (log-line.ts), so `logs` reads the same
 * whichever engine routed.
 *
 * Why a pipe: nginx hands over ~10 records per write and the platform reads them in bulk, for
 * about half the platform's CPU per request of a datagram each (syslog over UDP, tried first:
 * 32 against 17 µs here), and nothing is dropped under load: a platform that falls behind slows
 * nginx down instead. The
 * pipe is the user's own (mode 600, in the platform's home), so no other user can forge lines.
 * The platform keeps a write end open itself, so the read end never sees an end of file while
 * nginx restarts or reloads.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, constants, lstatSync, openSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import type { RouterErrorCode } from '../error-page';
import { logLine } from '../log-line';
import { LOG_FIELDS, type LogRecord } from './config';

type LineCode = RouterErrorCode | 'H18' | 'H27';
const CODES = new Set<string>(['H10', 'H12', 'H13', 'H14', 'H80']);
const LF = 0x0a;

/** The last value of an nginx upstream list (`a, b` after a retry; `-` when none). */
function last(list: string): string {
  const i = list.lastIndexOf(', ');
  return i >= 0 ? list.slice(i + 2) : list;
}

function seconds(list: string): number | null {
  const v = last(list);
  if (v === '' || v === '-') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function portOf(addr: string): number | null {
  const m = /:(\d+)$/.exec(last(addr));
  return m ? Number(m[1]) : null;
}

/** The client left before the answer was complete (nginx did not complete the request). */
function clientLeft(r: LogRecord, status: number): boolean {
  return status === 499 || (status !== 101 && r.completion === '');
}

function codeOf(r: LogRecord, status: number, bytes: number): LineCode | null {
  if (CODES.has(r.code)) return r.code as LineCode;
  if (clientLeft(r, status)) return 'H27';
  // The dyno promised more than it sent: it broke off a started answer.
  const promised = Number(r.contentLength);
  if (r.method !== 'HEAD' && status !== 204 && status !== 304 && r.contentLength !== '' && promised > bytes) return 'H18';
  return null;
}

/** A value as nginx's `escape=json` wrote it. */
function unescape(v: string): string {
  if (!v.includes('\\')) return v;
  try {
    return JSON.parse(`"${v}"`) as string;
  } catch {
    return v;
  }
}

/** Each field's position in a line. */
const AT = Object.fromEntries(LOG_FIELDS.map(([name], i) => [name, i])) as Record<keyof LogRecord, number>;

/** One line of the pipe as a record; null for a line that is not one. */
export function parseRecord(text: string): LogRecord | null {
  const v = text.split('\t');
  if (v.length !== LOG_FIELDS.length) return null;
  // A literal of one shape (not keys added in a loop): this runs once per request.
  return {
    app: v[AT.app],
    code: v[AT.code],
    method: unescape(v[AT.method]),
    path: unescape(v[AT.path]),
    host: unescape(v[AT.host]),
    requestId: unescape(v[AT.requestId]),
    fwd: unescape(v[AT.fwd]),
    upstream: v[AT.upstream],
    connectTime: v[AT.connectTime],
    responseTime: v[AT.responseTime],
    status: v[AT.status],
    bytes: v[AT.bytes],
    contentLength: unescape(v[AT.contentLength]),
    completion: v[AT.completion],
  };
}

/**
 * The router line of one record; null for a record that is not one. `dynoAt` names the dyno that
 * listened on a port when the request was routed.
 */
export function recordToLine(r: LogRecord, dynoAt: (port: number) => string | null): { app: string; line: string } | null {
  if (r.app === '') return null;
  // As the node engine: a client that left is status 499 whether or not the answer had begun.
  const status = clientLeft(r, Number(r.status)) && !CODES.has(r.code) ? 499 : Number(r.status);
  const bytes = Number(r.bytes) || 0;
  const port = portOf(r.upstream);
  const dyno = port === null ? null : (dynoAt(port) ?? `127.0.0.1:${port}`);
  const connect = seconds(r.connectTime);
  const response = seconds(r.responseTime);
  const connectMs = connect === null ? 0 : Math.round(connect * 1000);
  const serviceMs = response === null ? 0 : Math.max(0, Math.round(response * 1000) - connectMs);
  const facts = { method: r.method, path: r.path, host: r.host, requestId: r.requestId, fwd: r.fwd };
  return { app: r.app, line: logLine(facts, codeOf(r, status, bytes), dyno, connectMs, serviceMs, status, bytes) };
}

/** A named pipe of ours that only we can read or write. */
function isOwnFifo(path: string): boolean {
  try {
    const st = lstatSync(path);
    return st.isFIFO() && st.uid === process.getuid?.() && (st.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

export class AccessLogPipe {
  private reader: Socket | null = null;
  private writeEnd: number | null = null;
  private rest: Buffer | null = null;

  constructor(
    /** The pipe's path (config.ts `logPipe`). */
    readonly path: string,
    private readonly onLine: (app: string, line: string) => void,
    private readonly dynoAt: (port: number) => string | null,
  ) {}

  /** Makes the pipe (unless an earlier run left it: mkfifo costs a process) and starts reading it. */
  start(): void {
    if (!isOwnFifo(this.path)) {
      rmSync(this.path, { force: true });
      const made = spawnSync('mkfifo', ['-m', '600', this.path], { encoding: 'utf8' });
      if (made.status !== 0) throw new Error(`cannot make the router's log pipe ${this.path}: ${(made.stderr || made.error?.message || '').trim()}`);
    }
    const fd = openSync(this.path, constants.O_RDONLY | constants.O_NONBLOCK);
    this.writeEnd = openSync(this.path, constants.O_WRONLY | constants.O_NONBLOCK);
    const reader = new Socket({ fd, readable: true, writable: false });
    reader.on('data', (chunk: Buffer) => this.take(chunk));
    // A read error must not take the platform down; routing goes on without its lines.
    reader.on('error', () => undefined);
    this.reader = reader;
  }

  private take(chunk: Buffer): void {
    const data = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(LF); nl >= 0; nl = data.indexOf(LF, start)) {
      const record = parseRecord(data.toString('utf8', start, nl));
      start = nl + 1;
      const out = record && recordToLine(record, this.dynoAt);
      if (out) this.onLine(out.app, out.line);
    }
    this.rest = start === data.length ? null : Buffer.from(data.subarray(start));
  }

  close(): void {
    this.reader?.destroy();
    this.reader = null;
    if (this.writeEnd !== null) closeSync(this.writeEnd);
    this.writeEnd = null;
  }
}
