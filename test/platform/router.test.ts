/**
 * The router over real HTTP: in-process node:http servers on port 0 play the dynos, requests go
 * to 127.0.0.1 with a Host header (node does not resolve *.localhost), and every wait is on an
 * event (a request seen, a chunk received, a log line), never a sleep.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { describe, test, type TestContext } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNginx } from '../../platform/router/engine';
import { createNginxRouter } from '../../platform/router/nginx/nginx-router';
import { appFromHost, createRouter, type AppRoute, type Router, type RouteTarget } from '../../platform/router/router';

type RouterEngine = Router['engine'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INFO_LINE =
  /^at=info method=(\S+) path="([^"]*)" host=(\S+) request_id=(\S+) fwd="([^"]*)" dyno=(\S+) connect=(\d+)ms service=(\d+)ms status=(\d+) bytes=(\d+) protocol=http$/;
const ERROR_LINE =
  /^at=error code=(H\d\d) desc="([^"]+)" method=(\S+) path="([^"]*)" host=(\S+) request_id=(\S+) fwd="([^"]*)" dyno=(\S*) connect=(\d*m?s?) service=(\d*m?s?) status=(\d+) bytes=(\d+) protocol=http$/;

function listening(server: Server | ReturnType<typeof createNetServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

/** A dyno: an in-process HTTP server; closed (with its connections) after the test. */
async function dyno(t: TestContext, name: string, handler?: RequestListener): Promise<RouteTarget & { server: Server }> {
  const server = createServer(
    handler ??
      ((_req, res) => {
        res.setHeader('content-type', 'text/plain');
        res.end(`hello from ${name}\n`);
      }),
  );
  const port = await listening(server);
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { dyno: name, port, server };
}

/** A port that refuses connections (a dyno that just died). */
async function deadPort(): Promise<number> {
  const s = createNetServer();
  const port = await listening(s);
  await new Promise((r) => s.close(r));
  return port;
}

interface TestRouter {
  port: number;
  routes: Map<string, AppRoute>;
  lines: { app: string; line: string }[];
  /** Resolves with the next log line of `app` (or one already logged and not yet taken). */
  nextLine(app: string): Promise<string>;
  /**
   * Takes the app's lines until one matches `re` and resolves with it: for a request whose line
   * may follow another's late one (a WebSocket's line comes when its connection is answered or ends).
   */
  lineMatching(app: string, re: RegExp): Promise<string>;
  timeout: { ms: number };
  /** After changing routes or the timeout: resolves once the router uses them. */
  refresh(): Promise<void>;
}

/** Starts a router of `engine` (the nginx one in its own temporary directory). */
async function startRouter(t: TestContext, engine: RouterEngine, routes: Record<string, AppRoute> = {}): Promise<TestRouter> {
  const table = new Map(Object.entries(routes));
  const lines: { app: string; line: string }[] = [];
  const taken = new Map<string, number>();
  const events = new EventEmitter();
  const timeout = { ms: 30_000 };
  const options = {
    resolve: (app: string) => table.get(app) ?? null,
    log: (app: string, line: string) => {
      lines.push({ app, line });
      events.emit('line');
    },
    timeoutMs: () => timeout.ms,
  };
  let r: Router;
  if (engine === 'node') r = createRouter(options);
  else {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-nginx-router-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const warnings: string[] = [];
    r = createNginxRouter({ ...options, nginx: NGINX as string, dir, apps: () => table.keys(), warn: (m) => warnings.push(m) });
    t.after(() => assert.deepEqual(warnings, [], 'the nginx engine had nothing to warn about'));
  }
  const port = await r.listen(0);
  t.after(() => r.close());
  async function nextLine(app: string): Promise<string> {
    for (;;) {
      const mine = lines.filter((l) => l.app === app);
      const n = taken.get(app) ?? 0;
      if (mine.length > n) {
        taken.set(app, n + 1);
        return mine[n].line;
      }
      await once(events, 'line');
    }
  }
  async function lineMatching(app: string, re: RegExp): Promise<string> {
    for (;;) {
      const line = await nextLine(app);
      if (re.test(line)) return line;
    }
  }
  return { port, routes: table, lines, nextLine, lineMatching, timeout, refresh: () => r.refresh() };
}

const up = (...targets: RouteTarget[]): AppRoute => ({ maintenance: false, crashed: false, targets: targets.map(({ dyno, port }) => ({ dyno, port })) });

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function get(port: number, host: string, path = '/', headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

void describe('appFromHost', () => {
  void test('an app host names the app; anything else is null', () => {
    assert.equal(appFromHost('demo.localhost:5100'), 'demo');
    assert.equal(appFromHost('DEMO.localhost'), 'demo');
    assert.equal(appFromHost('my-app2.localhost.'), 'my-app2');
    assert.equal(appFromHost('localhost:5100'), null);
    assert.equal(appFromHost('127.0.0.1:5100'), null);
    assert.equal(appFromHost('a.localhost'), null, 'names have 2 to 30 characters');
    assert.equal(appFromHost('2fast.localhost'), null);
    assert.equal(appFromHost('demo.example.com'), null);
    assert.equal(appFromHost('x.demo.localhost'), null);
    assert.equal(appFromHost(undefined), null);
  });
});

const NGINX = findNginx();

for (const engine of ['node', 'nginx'] as const) {
void describe(`router (${engine} engine)`, { skip: engine === 'nginx' && NGINX === null ? 'nginx is not installed here (apt-get install nginx)' : false }, () => {
  const router = (t: TestContext, routes?: Record<string, AppRoute>) => startRouter(t, engine, routes);
  void test('routes by Host, round-robin over the up web dynos, one log line per request', async (t) => {
    const [a, b, c, o] = await Promise.all([dyno(t, 'web.1'), dyno(t, 'web.2'), dyno(t, 'web.3'), dyno(t, 'web.1', (_q, s) => s.end('other app\n'))]);
    const r = await router(t, { demo: up(a, b, c), other: up(o) });
    const bodies: string[] = [];
    for (let i = 0; i < 6; i++) bodies.push((await get(r.port, `demo.localhost:${r.port}`)).body);
    assert.deepEqual(bodies, ['web.1', 'web.2', 'web.3', 'web.1', 'web.2', 'web.3'].map((d) => `hello from ${d}\n`));
    const other = await get(r.port, 'other.localhost');
    assert.equal(other.status, 200);
    assert.equal(other.body, 'other app\n');

    for (let i = 0; i < 6; i++) {
      const m = INFO_LINE.exec(await r.nextLine('demo'));
      assert.ok(m, 'an at=info line in the documented format');
      const [, method, path, host, id, fwd, dynoName, , , status, bytes] = m;
      assert.deepEqual([method, path, host, fwd, dynoName, status, bytes], ['GET', '/', 'demo.localhost', '127.0.0.1', `web.${(i % 3) + 1}`, '200', '17']);
      assert.match(id, UUID);
    }
    assert.match(await r.nextLine('other'), /dyno=web\.1 .* status=200 bytes=10 protocol=http$/);
    assert.equal(r.lines.length, 7, 'exactly one line per request');
  });

  void test('the dyno sees X-Request-Id, X-Forwarded-For/Proto/Port and the original Host', async (t) => {
    const seen: IncomingHttpHeaders[] = [];
    const d = await dyno(t, 'web.1', (req, res) => {
      seen.push(req.headers);
      res.end('ok');
    });
    const r = await router(t, { demo: up(d) });

    await get(r.port, `demo.localhost:${r.port}`, '/a?b=1');
    const line = await r.nextLine('demo');
    const h = seen[0];
    assert.equal(h.host, `demo.localhost:${r.port}`);
    assert.match(h['x-request-id'] as string, UUID);
    assert.ok(line.includes(`request_id=${h['x-request-id'] as string} `), 'the log line carries the id the dyno saw');
    assert.ok(line.includes('path="/a?b=1"'));
    assert.equal(h['x-forwarded-for'], '127.0.0.1');
    assert.equal(h['x-forwarded-proto'], 'http');
    assert.equal(h['x-forwarded-port'], String(r.port));

    const kept = 'abcdefghij0123456789+/=-';
    await get(r.port, 'demo.localhost', '/', { 'x-request-id': kept, 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https', connection: 'keep-alive, x-hop', 'x-hop': 'secret' });
    assert.equal(seen[1]['x-request-id'], kept, 'a valid incoming id is kept');
    assert.equal(seen[1]['x-forwarded-for'], '203.0.113.7, 127.0.0.1', 'the client address is appended');
    assert.equal(seen[1]['x-forwarded-proto'], 'http');
    // nginx drops Connection itself but not the headers it names (README, Router engines).
    if (engine === 'node') assert.equal(seen[1]['x-hop'], undefined, 'headers named in Connection are hop-by-hop');
    assert.match(await r.nextLine('demo'), /request_id=abcdefghij0123456789\+\/=- fwd="203\.0\.113\.7, 127\.0\.0\.1"/);

    await get(r.port, 'demo.localhost', '/', { 'x-request-id': 'too-short' });
    assert.match(seen[2]['x-request-id'] as string, UUID, 'an invalid incoming id is replaced');

    // `curl --http2` asks for h2c; the router answers in HTTP/1.1 like any other request.
    const h2c = await new Promise<Answer>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: r.port, path: '/h2c', agent: false, headers: { host: 'demo.localhost', connection: 'Upgrade, HTTP2-Settings', upgrade: 'h2c', 'http2-settings': 'AAMAAABkAAQCAAAAAAIAAAAA' } });
      req.on('response', (res: IncomingMessage) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.deepEqual([h2c.status, h2c.body], [200, 'ok']);
    assert.equal(seen[3].upgrade, undefined);
    assert.equal(seen[3]['http2-settings'], undefined);
  });

  void test('a request body streams to the dyno before the client has finished sending it', async (t) => {
    const firstChunk = new EventEmitter();
    const d = await dyno(t, 'web.1', (req, res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      req.once('data', () => firstChunk.emit('seen'));
      req.on('data', (c: Buffer) => {
        bytes += c.length;
        hash.update(c);
      });
      req.on('end', () => res.end(`${bytes} ${hash.digest('hex')} ${req.headers['transfer-encoding'] ?? ''}`));
    });
    const r = await router(t, { demo: up(d) });

    const chunk = randomBytes(64 * 1024);
    const chunks = 128; // 8 MiB
    const expected = createHash('sha256');
    const answer = new Promise<Answer>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: r.port, method: 'POST', path: '/upload', headers: { host: 'demo.localhost', 'content-type': 'application/octet-stream' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.write(chunk);
      expected.update(chunk);
      // The rest is sent only once the dyno has seen the first chunk.
      firstChunk.once('seen', () => {
        let sent = 1;
        const more = (): void => {
          while (sent < chunks) {
            sent++;
            expected.update(chunk);
            if (!req.write(chunk)) return void req.once('drain', more);
          }
          req.end();
        };
        more();
      });
    });
    const res = await answer;
    assert.equal(res.status, 200);
    assert.equal(res.body, `${chunk.length * chunks} ${expected.digest('hex')} chunked`);
    assert.match(await r.nextLine('demo'), /method=POST path="\/upload" .* status=200 /);
  });

  void test('a response streams to the client before the dyno has ended it', async (t) => {
    const release = new EventEmitter();
    const d = await dyno(t, 'web.1', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk\n');
      release.once('go', () => res.end('the rest\n'));
    });
    const r = await router(t, { demo: up(d) });

    const res = await new Promise<IncomingMessage>((resolve) => request({ host: '127.0.0.1', port: r.port, headers: { host: 'demo.localhost' } }, resolve).end());
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    const [first] = (await once(res, 'data')) as [Buffer];
    assert.equal(first.toString(), 'first chunk\n', 'the first chunk arrived while the dyno holds the response open');
    assert.equal(r.lines.length, 0, 'the line is written when the response ends');
    let rest = '';
    res.on('data', (c: Buffer) => (rest += c.toString()));
    const ended = once(res, 'end');
    release.emit('go');
    await ended;
    assert.equal(rest, 'the rest\n');
    // bytes: the body; nginx counts it as sent, with the chunked framing (2 chunks here).
    const bytes = Number(/status=200 bytes=(\d+) protocol=http$/.exec(await r.nextLine('demo'))?.[1]);
    if (engine === 'node') assert.equal(bytes, 21);
    else assert.ok(bytes > 21 && bytes <= 21 + 3 * 8, `${bytes}: the body and its chunk framing`);
  });

  void test('the dyno\'s headers are relayed as sent: 1xx skipped, hop-by-hop dropped, repeats and the status text kept', async (t) => {
    const d = await dyno(t, 'web.1', (_req, res) => {
      // nginx before 1.29 cannot relay a 1xx answer other than 101 (README, Router engines).
      if (engine === 'node') res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      res.statusMessage = 'Made Here';
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.setHeader('X-Mixed-Case', 'yes');
      res.setHeader('keep-alive', 'timeout=1');
      res.setHeader('trailer', 'x-checksum');
      res.writeHead(201, { 'content-type': 'text/plain' });
      res.end('made\n');
    });
    const r = await router(t, { demo: up(d) });

    const res = await new Promise<IncomingMessage>((resolve) => request({ host: '127.0.0.1', port: r.port, headers: { host: 'demo.localhost' } }, resolve).end());
    res.resume();
    await once(res, 'end');
    assert.equal(res.statusCode, 201);
    assert.equal(res.statusMessage, 'Made Here');
    assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2']);
    assert.ok(res.rawHeaders.includes('X-Mixed-Case'), 'header names keep their case');
    assert.equal(res.headers.trailer, undefined);
    assert.notEqual(res.headers['keep-alive'], 'timeout=1', "the dyno's keep-alive is its own connection's");
    // 5 body bytes; nginx counts the chunked framing it sent with them: `5\r\n` `\r\n` `0\r\n\r\n`.
    assert.match(await r.nextLine('demo'), new RegExp(`status=201 bytes=${engine === 'node' ? 5 : 15} protocol=http$`));
  });

  void test('a client that reads slowly: the dyno\'s side is paused and resumed, and every byte arrives', async (t) => {
    const chunk = randomBytes(64 * 1024);
    const limit = 256 * 1024 * 1024;
    const dynoSide = new EventEmitter();
    const d = await dyno(t, 'web.1', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let sent = 0;
      let blocked = false;
      const pump = (): void => {
        while (sent < limit) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            if (!blocked) dynoSide.emit('blocked', sent);
            blocked = true;
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      dynoSide.once('finish', () => {
        // The client has seen backpressure work: end the answer at the next chance.
        sent = limit;
      });
      pump();
    });
    const r = await router(t, { demo: up(d) });

    const blocked = once(dynoSide, 'blocked');
    const res = await new Promise<IncomingMessage>((resolve) => request({ host: '127.0.0.1', port: r.port, headers: { host: 'demo.localhost' } }, resolve).end());
    res.pause();
    // The client reads nothing until the dyno's writes are refused (the router stopped reading).
    const [sentWhenBlocked] = (await blocked) as [number];
    assert.ok(sentWhenBlocked < limit);
    dynoSide.emit('finish');
    let received = 0;
    res.on('data', (c: Buffer) => (received += c.length));
    res.resume();
    await once(res, 'end');
    assert.ok(received >= sentWhenBlocked, 'everything the dyno wrote reached the client after the pause');
    const line = await r.nextLine('demo');
    assert.match(line, /status=200 bytes=\d+ protocol=http$/);
    const logged = Number(/bytes=(\d+)/.exec(line)?.[1]);
    if (engine === 'node') assert.equal(logged, received);
    else assert.ok(logged >= received && logged < received * 1.01 + 64, `${logged}: the ${received} bytes and their chunk framing`);
  });

  void test('WebSocket upgrades pass through to the dyno (echo)', async (t) => {
    const d = await dyno(t, 'web.1', (_q, s) => s.end('not a websocket'));
    const seen: IncomingHttpHeaders[] = [];
    d.server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
      seen.push(req.headers);
      socket.on('end', () => socket.end());
      const accept = createHash('sha1').update(`${req.headers['sec-websocket-key'] as string}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      readFrames(socket, (text) => socket.write(frame(text, false)));
    });
    const r = await router(t, { demo: up(d) });

    const key = randomBytes(16).toString('base64');
    const req = request({
      host: '127.0.0.1',
      port: r.port,
      path: '/socket',
      headers: { host: 'demo.localhost', connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': key },
    });
    req.end();
    const [res, socket] = (await once(req, 'upgrade')) as [IncomingMessage, Socket, Buffer];
    t.after(() => socket.destroy());
    assert.equal(res.statusCode, 101);
    assert.equal(res.headers['sec-websocket-accept'], createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64'));
    assert.equal(seen[0]['x-forwarded-proto'], 'http');
    assert.match(seen[0]['x-request-id'] as string, UUID);

    const echoes: string[] = [];
    const got = new EventEmitter();
    readFrames(socket, (text) => {
      echoes.push(text);
      got.emit('frame');
    });
    for (const text of ['hello', 'through the router']) {
      const next = once(got, 'frame');
      socket.write(frame(text, true));
      await next;
    }
    assert.deepEqual(echoes, ['hello', 'through the router']);
    // The node engine logs the handshake when it is answered; nginx when the connection ends,
    // with the bytes that went through it.
    socket.destroy();
    assert.match(await r.nextLine('demo'), new RegExp(`^at=info method=GET path="/socket" host=demo\\.localhost .* dyno=web\\.1 .* status=101 bytes=${engine === 'node' ? '0' : '\\d+'} protocol=http$`));
  });

  void test('WebSocket: a refusing dyno is retried, a plain HTTP answer is relayed, no answer in time is H12', async (t) => {
    const dead = await deadPort();
    const ws = await dyno(t, 'web.2', (_q, s) => s.end('plain'));
    const sockets: Socket[] = [];
    const arrived = new EventEmitter();
    ws.server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
      sockets.push(socket);
      arrived.emit('upgrade', socket);
      if (req.url === '/plain') socket.end('HTTP/1.1 426 Upgrade Required\r\ncontent-length: 4\r\n\r\nnope');
      else if (req.url !== '/silent') socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    });
    t.after(() => sockets.forEach((s) => s.destroy()));
    const r = await router(t, { demo: up({ dyno: 'web.1', port: dead }, ws) });
    const upgrade = (path: string): Promise<{ event: string; status: number; connection?: string; socket?: Socket }> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: r.port, path, headers: { host: 'demo.localhost', connection: 'Upgrade', upgrade: 'websocket' } });
        req.on('upgrade', (res: IncomingMessage, socket: Socket) => resolve({ event: 'upgrade', status: res.statusCode ?? 0, socket }));
        req.on('response', (res: IncomingMessage) => {
          res.resume();
          resolve({ event: 'response', status: res.statusCode ?? 0, connection: res.headers.connection });
        });
        req.on('error', reject);
        req.end();
      });

    const retried = await upgrade('/ok');
    retried.socket?.destroy();
    assert.deepEqual([retried.event, retried.status], ['upgrade', 101]);
    assert.match(await r.nextLine('demo'), /dyno=web\.2 .* status=101 /);

    const plain = await upgrade('/plain');
    // The node engine closes the connection after it; nginx, which parsed the answer, may reuse it.
    assert.deepEqual([plain.event, plain.status, plain.connection], ['response', 426, engine === 'node' ? 'close' : 'keep-alive'], 'relayed');
    // Wait for the 426 line itself: the 101 exchange before it may log once more as it ends.
    assert.match(await r.lineMatching('demo', /status=426 /), /^at=info .* status=426 bytes=4 protocol=http$/);

    r.routes.set('demo', up(ws));

    await r.refresh();
    r.timeout.ms = 200;
    await r.refresh();
    const silent = await upgrade('/silent');
    assert.deepEqual([silent.event, silent.status], ['response', 503]);
    assert.match(await r.nextLine('demo'), /^at=error code=H12 desc="Request timeout" .* dyno=web\.2 .* status=503 /);

    // A client that leaves before the dyno answers: H27, and the handshake to the dyno is dropped.
    r.timeout.ms = 30_000;
    await r.refresh();
    const client = request({ host: '127.0.0.1', port: r.port, path: '/silent', headers: { host: 'demo.localhost', connection: 'Upgrade', upgrade: 'websocket' } });
    client.on('error', () => undefined);
    client.end();
    const [dynoSide] = (await once(arrived, 'upgrade')) as [Socket];
    const dropped = once(dynoSide.resume(), 'end');
    client.destroy();
    assert.match(await r.nextLine('demo'), /^at=info code=H27 desc="Client Request Interrupted" .* status=499 /);
    await dropped;
  });

  void test('H14: no web dynos running; H10: app crashed; H80: maintenance mode (503, page, log line)', async (t) => {
    const d = await dyno(t, 'web.1');
    const r = await router(t, {
      idle: { maintenance: false, crashed: false, targets: [] },
      broken: { maintenance: false, crashed: true, targets: [] },
      paused: { maintenance: true, crashed: false, targets: [{ dyno: 'web.1', port: d.port }] },
    });
    for (const [app, code, desc] of [
      ['idle', 'H14', 'No web processes running'],
      ['broken', 'H10', 'App crashed'],
      ['paused', 'H80', 'Maintenance mode'],
    ]) {
      const res = await get(r.port, `${app}.localhost:${r.port}`, '/x');
      assert.equal(res.status, 503, code);
      assert.match(res.headers['content-type'] ?? '', /^text\/html/);
      assert.ok(res.body.includes(code) && res.body.length < 1000, 'a small HTML page naming the code');
      const m = ERROR_LINE.exec(await r.nextLine(app));
      assert.ok(m, `an at=error line for ${code}`);
      assert.deepEqual([m[1], m[2], m[3], m[4], m[5], m[8], m[9], m[10], m[11], m[12]], [code, desc, 'GET', '/x', `${app}.localhost`, '', '', '', '503', String(Buffer.byteLength(res.body))]);
    }
    // An upgrade request gets the same answer on its socket.
    const req = request({ host: '127.0.0.1', port: r.port, headers: { host: 'idle.localhost', connection: 'Upgrade', upgrade: 'websocket' } });
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    assert.equal(res.statusCode, 503);
    res.resume();
    assert.match(await r.nextLine('idle'), /^at=error code=H14 /);
  });

  void test('H12: no response within the timeout is a 503, and the request to the dyno is aborted', async (t) => {
    const aborted = new EventEmitter();
    const d = await dyno(t, 'web.1', (req) => {
      req.socket.once('close', () => aborted.emit('closed'));
    });
    const r = await router(t, { demo: up(d) });
    r.timeout.ms = 200;
    await r.refresh();
    const closed = once(aborted, 'closed');
    const res = await get(r.port, 'demo.localhost', '/slow');
    assert.equal(res.status, 503);
    assert.ok(res.body.includes('H12'));
    await closed;
    const m = ERROR_LINE.exec(await r.nextLine('demo'));
    assert.ok(m);
    assert.equal(m[1], 'H12');
    assert.equal(m[2], 'Request timeout');
    assert.equal(m[8], 'web.1');
    assert.ok(Number(m[9].replace('ms', '')) + Number(m[10].replace('ms', '')) >= 200, 'connect + service cover the timeout');
  });

  void test('H13: a dyno that closes or resets the connection without a response', async (t) => {
    const closes = await dyno(t, 'web.1', (req) => req.socket.destroy());
    const raw = createNetServer((s) => s.once('data', () => s.resetAndDestroy()));
    const rawPort = await listening(raw);
    t.after(() => raw.close());
    const r = await router(t, { closes: up(closes), resets: up({ dyno: 'web.1', port: rawPort }) });
    for (const app of ['closes', 'resets']) {
      const res = await get(r.port, `${app}.localhost`);
      assert.equal(res.status, 503, app);
      assert.ok(res.body.includes('H13'));
      assert.match(await r.nextLine(app), /^at=error code=H13 desc="Connection closed without response" .* dyno=web\.1 connect=\d+ms service=\d+ms status=503 bytes=\d+ protocol=http$/);
    }
  });

  void test('a dyno that refuses the connection is retried once on the next dyno', async (t) => {
    const dead = await deadPort();
    const live = await dyno(t, 'web.2');
    const r = await router(t, { demo: up({ dyno: 'web.1', port: dead }, live), gone: up({ dyno: 'web.1', port: dead }) });
    const res = await get(r.port, 'demo.localhost');
    assert.equal(res.status, 200);
    assert.equal(res.body, 'hello from web.2\n');
    assert.match(await r.nextLine('demo'), /^at=info .* dyno=web\.2 .* status=200 /);
    assert.equal(r.lines.length, 1);

    const lone = await get(r.port, 'gone.localhost');
    assert.equal(lone.status, 503);
    assert.match(await r.nextLine('gone'), /^at=error code=H13 .* dyno=web\.1 /);

    // The platform has noticed meanwhile: no web dyno up and one crashed is H10.
    r.routes.set('gone', { maintenance: false, crashed: true, targets: [] });
    await r.refresh();
    assert.equal((await get(r.port, 'gone.localhost')).status, 503);
    assert.match(await r.nextLine('gone'), /^at=error code=H10 /);
  });

  void test('H18 when a dyno breaks off a started response; H27 when the client leaves first', async (t) => {
    const clientLeft = new EventEmitter();
    const d = await dyno(t, 'web.1', (req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'content-length': '100' });
      if (req.url === '/break') res.write('partial', () => res.socket?.destroy());
      else {
        res.write('partial');
        req.socket.once('close', () => clientLeft.emit('closed'));
      }
    });
    const r = await router(t, { demo: up(d) });

    const broken = await new Promise<IncomingMessage>((resolve) => request({ host: '127.0.0.1', port: r.port, path: '/break', headers: { host: 'demo.localhost' } }, resolve).end());
    assert.equal(broken.statusCode, 200);
    broken.resume();
    await new Promise((resolve) => broken.on('close', resolve).on('error', () => undefined));
    assert.equal(broken.complete, false, 'the client sees an incomplete response');
    assert.match(await r.nextLine('demo'), /^at=error code=H18 desc="Server Request Interrupted" .* status=200 bytes=7 protocol=http$/);

    const upstreamClosed = once(clientLeft, 'closed');
    const res = await new Promise<IncomingMessage>((resolve) => request({ host: '127.0.0.1', port: r.port, path: '/hold', headers: { host: 'demo.localhost' } }, resolve).end());
    await once(res, 'data');
    res.destroy();
    await upstreamClosed;
    assert.match(await r.nextLine('demo'), /^at=info code=H27 desc="Client Request Interrupted" .* status=499 /);
  });

  void test('an unknown app or a host that is not an app host is a 404 page, logged nowhere', async (t) => {
    const r = await router(t, {});
    for (const host of ['nope.localhost:5100', '127.0.0.1', 'localhost']) {
      const res = await get(r.port, host);
      assert.equal(res.status, 404, host);
      assert.match(res.body, /No such app/);
    }
    assert.equal(r.lines.length, 0);
  });

  // The node engine's promise. The nginx engine still reloads on a route change (which drops
  // kept-alive requests, issue 12 item 1): its case joins this suite with the no-reload balancer.
  if (engine === 'node') void test('route changes fail no request', async (t) => {
    // web.2 answers a moment later, so that requests are in flight when it leaves the routes.
    const slow: RequestListener = (_q, s) => void setTimeout(() => s.end('hello from web.2\n'), 2);
    const one = await dyno(t, 'web.1');
    const other = await dyno(t, 'web.1');
    const r = await router(t, { demo: up(one), other: up(other) });
    const { Agent } = await import('node:http');
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 4 });
    t.after(() => keepAlive.destroy());
    const failures: string[] = [];
    let answered = 0;
    let changing = true;
    const one_request = (agent: InstanceType<typeof Agent> | false): Promise<void> =>
      new Promise((resolve) => {
        const req = request({ host: '127.0.0.1', port: r.port, path: '/', agent, headers: { host: 'demo.localhost' } }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => {
            if (res.statusCode !== 200 || !body.startsWith('hello from web.')) failures.push(`${res.statusCode} ${body.slice(0, 80)}`);
            answered++;
            resolve();
          });
        });
        req.on('error', (err) => {
          failures.push(err.message);
          resolve();
        });
        req.end();
      });
    // Bounded: each client stops once the changes are over, or after 2000 requests.
    const client = async (agent: InstanceType<typeof Agent> | false): Promise<void> => {
      for (let i = 0; changing && i < 2000; i++) await one_request(agent);
    };
    const clients = [keepAlive, keepAlive, keepAlive, keepAlive, false, false, false, false].map((a) => client(a as InstanceType<typeof Agent> | false));
    for (let round = 0; round < 6; round++) {
      const two = await dyno(t, 'web.2', slow);
      r.routes.set('demo', up(one, two));
      await r.refresh();
      await one_request(keepAlive);
      r.routes.set('other', { ...up(other), maintenance: round % 2 === 0 });
      r.routes.set('demo', up(one));
      await r.refresh();
      // The dyno stops as a dyno does on SIGTERM without a handler: its connections go at once.
      two.server.closeAllConnections();
      await new Promise((done) => two.server.close(done));
    }
    changing = false;
    await Promise.all(clients);
    assert.deepEqual(failures, [], 'every request answered by the app');
    assert.ok(answered > 0);
  });

});
}

/** A WebSocket text frame (RFC 6455), masked as a client must send it. */
function frame(text: string, masked: boolean): Buffer {
  const payload = Buffer.from(text);
  assert.ok(payload.length < 126);
  if (!masked) return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
  const mask = randomBytes(4);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload.map((b, i) => b ^ mask[i % 4])]);
}

/** Calls `onText` for each small text frame read from `socket`. */
function readFrames(socket: Socket, onText: (text: string) => void): void {
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 2) return;
      const masked = (buf[1] & 0x80) !== 0;
      const len = buf[1] & 0x7f;
      const start = 2 + (masked ? 4 : 0);
      if (buf.length < start + len) return;
      let payload = buf.subarray(start, start + len);
      if (masked) {
        const mask = buf.subarray(2, 6);
        payload = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
      }
      buf = buf.subarray(start + len);
      onText(payload.toString());
    }
  });
}
