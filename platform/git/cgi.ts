/**
 * Runs a CGI program (RFC 3875) for one HTTP request: the request's meta-variables in its
 * environment, the request body on its stdin, and its stdout read as a header block (`Status:`,
 * `Content-Type:`, …), a blank line, then the body, which streams on as the program writes it.
 * The program is spawned with an argv array, never through a shell.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';

export interface CgiResponse {
  status: number;
  /** Header names in lower case; hop-by-hop headers are dropped. */
  headers: Record<string, string>;
  body: Readable;
}

export interface CgiRun {
  child: ChildProcessWithoutNullStreams;
  /** Settles once the header block is read; rejects when the program ends (or fails) before. */
  response: Promise<CgiResponse>;
  /** Resolves when the program has exited and closed its output. */
  closed: Promise<void>;
}

const MAX_HEADER_BYTES = 64 * 1024;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'status', 'te', 'trailer', 'proxy-connection']);

/** The end of the header block: the blank line (CRLF or bare LF) and where the body starts. */
function headerEnd(buf: Buffer): { end: number; bodyStart: number } | null {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { end: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) return { end: lf, bodyStart: lf + 2 };
  return null;
}

export function parseCgiHeaders(block: string): { status: number; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  let status: number | null = null;
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'status') {
      const code = Number.parseInt(value, 10);
      if (code >= 100 && code <= 599) status = code;
    }
    if (!HOP_BY_HOP.has(name)) headers[name] = value;
  }
  return { status: status ?? (headers.location !== undefined ? 302 : 200), headers };
}

/**
 * `onClientGone`: what happens when the response is closed before the program has finished
 * (the HTTP client went away): `stop` closes its output pipe, `finish` lets it run to its end.
 */
export function runCgi(command: string, args: readonly string[], env: NodeJS.ProcessEnv, input: Readable | null, onClientGone: 'stop' | 'finish' = 'stop'): CgiRun {
  const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 16 * 1024) stderr += d.toString();
  });
  // The program may stop reading early (an error answer): its stdin closing is no failure here.
  child.stdin.on('error', () => undefined);
  if (input) {
    input.on('error', () => child.stdin.destroy());
    input.pipe(child.stdin);
  } else {
    child.stdin.end();
  }

  const closed = new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    child.once('error', () => resolve());
  });
  const response = new Promise<CgiResponse>((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    let done = false;
    const fail = (why: string) => {
      if (done) return;
      done = true;
      child.stdout.off('data', onData);
      reject(new Error(`${command} ${args.join(' ')} ${why}${stderr.trim() ? `: ${stderr.trim()}` : ''}`));
    };
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const at = headerEnd(buf);
      if (!at) {
        if (buf.length > MAX_HEADER_BYTES) {
          fail('wrote no end of its CGI headers');
          child.kill('SIGTERM');
        }
        return;
      }
      done = true;
      child.stdout.off('data', onData);
      const { status, headers } = parseCgiHeaders(buf.subarray(0, at.end).toString('latin1'));
      const body = new PassThrough();
      if (at.bodyStart < buf.length) body.write(buf.subarray(at.bodyStart));
      child.stdout.pipe(body);
      // The HTTP client went away before the end: stop the program (it sees its pipe close), or
      // let it finish, its output discarded.
      body.once('close', () => {
        if (child.stdout.readableEnded) return;
        if (onClientGone === 'stop') {
          child.stdout.destroy();
        } else {
          child.stdout.unpipe(body);
          child.stdout.resume();
        }
      });
      resolve({ status, headers, body });
    };
    child.stdout.on('data', onData);
    child.stdout.once('end', () => fail('ended before its CGI headers were complete'));
    child.once('error', (err) => fail(`could not run (${err.message})`));
  });
  return { child, response, closed };
}
