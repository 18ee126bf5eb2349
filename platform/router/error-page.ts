/**
 * The router's own answers: Heroku's error codes (503 with a small HTML page) and the 404 page for
 * a host that names no app. The pages are built once; answering one costs no allocation.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type RouterErrorCode = 'H10' | 'H12' | 'H13' | 'H14' | 'H80';

/** The `desc` Heroku's router logs for each code. */
export const ERROR_DESC: Record<RouterErrorCode | 'H18' | 'H27', string> = {
  H10: 'App crashed',
  H12: 'Request timeout',
  H13: 'Connection closed without response',
  H14: 'No web processes running',
  H18: 'Server Request Interrupted',
  H27: 'Client Request Interrupted',
  H80: 'Maintenance mode',
};

const EXPLAIN: Record<RouterErrorCode, string> = {
  H10: 'The app crashed: no web dyno is up. See its log (slipway logs) for the reason.',
  H12: 'The app did not answer in time (request timeout).',
  H13: 'The app closed the connection without sending a response.',
  H14: 'No web dynos are running for this app. Scale them up: slipway ps:scale web=1',
  H80: 'This app is in maintenance mode. Try again later.',
};

interface Page {
  status: number;
  body: Buffer;
  /** `[name, value, …]` for `res.writeHead`. */
  headers: string[];
  /** The whole HTTP/1.1 response, for a socket that asked for an upgrade. */
  raw: Buffer;
}

function build(status: number, reason: string, title: string, text: string): Page {
  const body = Buffer.from(
    `<!doctype html><meta charset="utf-8"><title>${title}</title>` +
      `<body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${text}</p></body>\n`,
  );
  const headers = ['content-type', 'text/html; charset=utf-8', 'content-length', String(body.length), 'cache-control', 'no-cache, no-store'];
  let head = `HTTP/1.1 ${status} ${reason}\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  const raw = Buffer.concat([Buffer.from(`${head}connection: close\r\n\r\n`), body]);
  return { status, body, headers, raw };
}

const ERROR_PAGES = Object.fromEntries(
  (Object.keys(EXPLAIN) as RouterErrorCode[]).map((code) => [
    code,
    build(503, 'Service Unavailable', code === 'H80' ? 'Offline for maintenance' : 'Application error', `${EXPLAIN[code]} (${code})`),
  ]),
) as Record<RouterErrorCode, Page>;

const NO_SUCH_APP = build(404, 'Not Found', 'No such app', 'There is no app at this address on this Slipway platform. Address an app as http://APP.localhost:PORT/.');

/** The body of a router answer (the nginx engine serves the same pages as the node one). */
export function pageBody(code: RouterErrorCode | 'no-such-app'): string {
  return (code === 'no-such-app' ? NO_SUCH_APP : ERROR_PAGES[code]).body.toString('utf8');
}

function send(res: ServerResponse, page: Page): number {
  res.writeHead(page.status, page.headers);
  res.end(page.body);
  return page.body.length;
}

/** Answers with the error page of `code`; returns the body's size for the log line. */
export function sendError(res: ServerResponse, code: RouterErrorCode): number {
  return send(res, ERROR_PAGES[code]);
}

export function sendNoSuchApp(res: ServerResponse): void {
  send(res, NO_SUCH_APP);
}

/** The same answers on a raw socket (an upgrade request); the socket is closed after. */
export function writeError(socket: Socket, code: RouterErrorCode): number {
  const page = ERROR_PAGES[code];
  if (socket.writable) socket.end(page.raw);
  else socket.destroy();
  return page.body.length;
}

export function writeNoSuchApp(socket: Socket): void {
  if (socket.writable) socket.end(NO_SUCH_APP.raw);
  else socket.destroy();
}
