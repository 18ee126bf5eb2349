/**
 * The nginx engine's own parts (platform/router/nginx/, engine.ts, the routerEngine setting):
 * the config it generates, the access-log records it turns into router lines, and the life of
 * the nginx process — a platform killed with -9, a master left over from an earlier run, a
 * master killed under the router, reloads — plus the choice of engine. How requests are routed
 * is test/platform/router.test.ts's, which runs its whole suite on both engines.
 *
 * Dynos are in-process node:http servers on port 0; every wait is on an event or polls a fact
 * (`until`), never a sleep.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { procStat } from '../../platform/dynos/process-group';
import { PlatformError } from '../../platform/errors';
import { pageBody } from '../../platform/router/error-page';
import { createPlatformRouter, findNginx } from '../../platform/router/engine';
import { logLine } from '../../platform/router/log-line';
import { parseRecord, recordToLine } from '../../platform/router/nginx/access-log';
import { GENERATION_HOST, LOG_FIELDS, nginxConfig, type LogRecord, type NginxConfigInput } from '../../platform/router/nginx/config';
import { createNginxRouter } from '../../platform/router/nginx/nginx-router';
import type { AppRoute, RouteTarget, RouterOptions } from '../../platform/router/router';
import { DEFAULT_SETTINGS, validateSettings } from '../../platform/settings';
import { routerGet, until } from '../helpers/http';
import { ROOT, tempDir } from '../helpers/tmp';

const NGINX = findNginx();

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** The block that starts at `start` (an index in `text` at or before its `{`), braces matched outside quotes. */
function blockAt(text: string, start: number): string {
  let depth = 0;
  let quote: string | null = null;
  for (let i = text.indexOf('{', start); i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  throw new Error(`unbalanced block at ${start}`);
}

/** The `server { … }` block whose server_name is `name`. */
function serverBlock(conf: string, name: string): string {
  const at = conf.indexOf(`server_name ${name};`);
  assert.ok(at >= 0, `a server for ${name}`);
  return blockAt(conf, conf.lastIndexOf('server {', at));
}

/** An nginx single-quoted string of `text`, as the config must hold a page. */
const nginxString = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

const up = (...targets: RouteTarget[]): AppRoute => ({ maintenance: false, crashed: false, targets });

/** A dyno: an in-process HTTP server answering `hello from NAME`; closed after the test. */
async function dyno(t: TestContext, name: string): Promise<RouteTarget> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`hello from ${name}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { dyno: name, port: (server.address() as AddressInfo).port };
}

/** The router options of a fixed route table (changed by the test through `table`). */
function routerOptions(table: Map<string, AppRoute>, warnings: string[], lines: string[] = []): RouterOptions & { apps(): Iterable<string>; warn(m: string): void } {
  return {
    resolve: (app) => table.get(app) ?? null,
    log: (app, line) => lines.push(`${app}: ${line}`),
    timeoutMs: () => 30_000,
    apps: () => table.keys(),
    warn: (m) => warnings.push(m),
  };
}

/** The body a GET of `app` at the router on `port` gets (throws when the port does not answer). */
async function bodyOf(port: number, app: string): Promise<string> {
  return (await routerGet(`http://127.0.0.1:${port}`, app)).body;
}

/** The config generation served on `port`, or null when nothing answers it. */
function generationAt(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/generation', headers: { host: GENERATION_HOST }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 ? Number(body) : null));
    });
    req.on('error', () => resolve(null));
    req.end();
  });
}

/** True when `port` refuses connections (nothing listens on it). */
function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

/** A process that is gone: no such pid, or a zombie that runs nothing any more. */
function gone(pid: number): boolean {
  const s = procStat(pid);
  return s === null || s.state === 'Z';
}

function masterOf(dir: string): number {
  return Number(readFileSync(join(dir, 'nginx.pid'), 'utf8').trim());
}

/** The nginx processes under `master` (its workers). */
function childrenOf(master: number): number[] {
  try {
    return readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** After the test, SIGKILLs whichever of these nginx processes (started by the test) is still running. */
function reapAfter(t: TestContext, pids: number[]): void {
  t.after(() => {
    for (const pid of pids) {
      const s = procStat(pid);
      if (s && s.state !== 'Z' && s.comm.includes('nginx')) process.kill(pid, 'SIGKILL');
    }
  });
}

/**
 * A platform stand-in in its own process: a node process that runs createNginxRouter in `dir`
 * on port 0 and prints `{port, master}`. Killed after the test if still running.
 */
async function routerProcess(t: TestContext, tmp: string, dir: string): Promise<{ child: ChildProcess; port: number; master: number }> {
  const script = join(tmp, 'router-process.ts');
  writeFileSync(
    script,
    `import { readFileSync } from 'node:fs';
import { createNginxRouter } from ${JSON.stringify(join(ROOT, 'platform', 'router', 'nginx', 'nginx-router'))};
const [nginx, dir] = process.argv.slice(2);
const router = createNginxRouter({ nginx, dir, apps: () => [], resolve: () => null, log: () => undefined, timeoutMs: () => 30_000, warn: (m) => process.stderr.write(m + '\\n') });
router.listen(0).then(
  (port) => process.stdout.write(JSON.stringify({ port, master: Number(readFileSync(dir + '/nginx.pid', 'utf8').trim()) }) + '\\n'),
  (err: Error) => {
    process.stderr.write(err.message + '\\n');
    process.exit(1);
  },
);
setInterval(() => undefined, 60_000);
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script, NGINX as string, dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    child.on('exit', (code, signal) => reject(new Error(`the router process exited (${signal ?? code}) before it listened: ${err}`)));
  });
  const { port, master } = JSON.parse(line) as { port: number; master: number };
  reapAfter(t, [master, ...childrenOf(master)]);
  return { child, port, master };
}

/**
 * An nginx of an earlier run left in `dir`: started here, on a config of nginxConfig, outside any
 * watchdog, as a crash or a kill of the whole platform could leave it. Serving when this returns.
 */
async function leftoverNginx(t: TestContext, dir: string): Promise<{ port: number; master: number }> {
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub), { recursive: true });
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const conf = join(dir, 'nginx.conf');
  const user = process.getuid?.() === 0 ? userInfo().username : null;
  // A plain file for its log: a pipe nobody reads would block nginx's open.
  writeFileSync(conf, nginxConfig({ dir, port, logPipe: join(dir, 'access.log'), timeoutMs: 30_000, generation: 1, user, routes: new Map() }));
  let stderr = '';
  const nginx = spawn(NGINX as string, ['-p', `${dir}/`, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  nginx.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  t.after(() => {
    if (nginx.exitCode === null && nginx.signalCode === null) nginx.kill('SIGKILL');
  });
  await until(
    'the leftover nginx to serve',
    async () => {
      if (nginx.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
      return (await generationAt(port)) === 1 ? true : undefined;
    },
    10_000,
  );
  const master = nginx.pid as number;
  reapAfter(t, [master, ...childrenOf(master)]);
  return { port, master };
}

// ---------------------------------------------------------------------------------------------
// config.ts
// ---------------------------------------------------------------------------------------------

void describe('nginxConfig', () => {
  const routes = new Map<string, AppRoute>([
    ['shop', up({ dyno: 'web.1', port: 5201 }, { dyno: 'web.2', port: 5202 })],
    ['closed', { maintenance: true, crashed: false, targets: [{ dyno: 'web.1', port: 5203 }] }],
    ['broken', { maintenance: false, crashed: true, targets: [] }],
  ]);
  const input: NginxConfigInput = {
    dir: '/srv/slipway/router',
    port: 5100,
    logPipe: '/srv/slipway/router/access.pipe',
    timeoutMs: 30_000,
    generation: 7,
    user: null,
    routes,
  };

  void test('an app with up dynos gets an upstream over all of them, never benched', () => {
    const conf = nginxConfig(input);
    const at = conf.indexOf('upstream slipway_shop {');
    assert.ok(at >= 0, 'an upstream for shop');
    const servers = blockAt(conf, at)
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.startsWith('server '));
    assert.deepEqual(servers, ['server 127.0.0.1:5201 max_fails=0;', 'server 127.0.0.1:5202 max_fails=0;']);
    const shop = serverBlock(conf, 'shop.localhost');
    assert.match(shop, /proxy_pass http:\/\/slipway_shop;/);
    assert.match(shop, /listen 127\.0\.0\.1:5100;/);
  });

  void test('an app in maintenance answers 503 H80, one with no dyno up and a crash 503 H10, neither has an upstream', () => {
    const conf = nginxConfig(input);
    for (const [app, code] of [
      ['closed', 'H80'],
      ['broken', 'H10'],
    ] as const) {
      const server = serverBlock(conf, `${app}.localhost`);
      assert.ok(server.includes(`set $slipway_code ${code};`), `${app}: logged as ${code}`);
      assert.ok(server.includes(`return 503 ${nginxString(pageBody(code))};`), `${app}: the ${code} page`);
      assert.doesNotMatch(server, /proxy_pass/, `${app}: nothing is proxied`);
      assert.ok(!conf.includes(`slipway_${app} `) && !conf.includes(`slipway_${app};`), `${app}: no upstream`);
    }
    assert.doesNotMatch(conf, /127\.0\.0\.1:5203/, 'the dyno of an app in maintenance is not routed to');
  });

  void test('access-log records go to the given pipe, one field per LOG_FIELDS entry', () => {
    const conf = nginxConfig(input);
    assert.ok(conf.includes(`log_format slipway escape=json '${LOG_FIELDS.map(([, v]) => v).join('\\t')}';`));
    for (const app of ['shop', 'closed', 'broken']) {
      assert.ok(serverBlock(conf, `${app}.localhost`).includes(`access_log ${nginxString(input.logPipe)} slipway `), `${app} logs to the pipe`);
    }
    assert.match(conf, /^\s*access_log off;$/m, 'nothing else is logged (the default server answers unlogged)');
    assert.equal(conf.match(/access_log /g)?.length, 1 + routes.size);
  });

  void test('the generation is served at the generation host; pid file in the dir; user only when given', () => {
    const conf = nginxConfig(input);
    assert.ok(serverBlock(conf, GENERATION_HOST).includes("location = /generation { return 200 '7'; }"));
    assert.ok(nginxConfig({ ...input, generation: 8 }).includes("return 200 '8';"));
    assert.ok(conf.includes(`\npid ${nginxString('/srv/slipway/router/nginx.pid')};\n`));
    assert.doesNotMatch(conf, /^user /m);
    assert.match(nginxConfig({ ...input, user: 'alice' }), /^user alice;$/m);
  });

  void test('paths are quoted, and a literal holding `$` (which nginx would expand) throws', () => {
    const spaced = nginxConfig({ ...input, dir: "/home/Jo O'Neil/.slipway/router", logPipe: "/home/Jo O'Neil/.slipway/router/access.pipe" });
    assert.ok(spaced.includes(`\npid ${nginxString("/home/Jo O'Neil/.slipway/router/nginx.pid")};\n`));
    assert.ok(spaced.includes(`access_log ${nginxString("/home/Jo O'Neil/.slipway/router/access.pipe")} slipway `));
    assert.throws(() => nginxConfig({ ...input, dir: '/home/$USER/router' }), /cannot hold "\$"/);
    assert.throws(() => nginxConfig({ ...input, logPipe: '/srv/slipway/router/$pipe' }), /cannot hold "\$"/);
  });

  void test('an invalid app name throws instead of reaching the config', () => {
    for (const name of ['Shop', 'a', '1shop', 'shop;', 'shop.evil', 'sh op', 'x'.repeat(31), '$host']) {
      assert.throws(() => nginxConfig({ ...input, routes: new Map([[name, up({ dyno: 'web.1', port: 5201 })]]) }), /not an app name/, name);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// access-log.ts
// ---------------------------------------------------------------------------------------------

void describe('access-log records', () => {
  const DYNOS = new Map([
    [5201, 'web.1'],
    [5202, 'web.2'],
  ]);
  const dynoAt = (port: number) => DYNOS.get(port) ?? null;
  const ID = '5b7c7c3a-1e0f-4d0e-9a4b-0f6c1e2d3a4b';
  const BASE: LogRecord = {
    app: 'shop',
    code: '',
    method: 'GET',
    path: '/a?b=1',
    host: 'shop.localhost',
    requestId: ID,
    fwd: '127.0.0.1',
    upstream: '127.0.0.1:5201',
    connectTime: '0.001',
    responseTime: '0.004',
    status: '200',
    bytes: '12',
    contentLength: '12',
    completion: 'OK',
  };
  /** The pipe's line for a record (the values as nginx wrote them). */
  const lineOf = (r: Partial<LogRecord>) => LOG_FIELDS.map(([k]) => ({ ...BASE, ...r })[k]).join('\t');
  const routerLine = (r: Partial<LogRecord>) => {
    const record = parseRecord(lineOf(r));
    assert.ok(record, 'a record');
    const out = recordToLine(record, dynoAt);
    assert.ok(out, 'a router line');
    return out;
  };
  const facts = { method: 'GET', path: '/a?b=1', host: 'shop.localhost', requestId: ID, fwd: '127.0.0.1' };

  void test('a normal record reads as the node engine’s line', () => {
    const out = routerLine({});
    assert.equal(out.app, 'shop');
    assert.equal(out.line, logLine(facts, null, 'web.1', 1, 3, 200, 12));
    assert.equal(out.line, `at=info method=GET path="/a?b=1" host=shop.localhost request_id=${ID} fwd="127.0.0.1" dyno=web.1 connect=1ms service=3ms status=200 bytes=12 protocol=http`);
  });

  void test('a retried request names the last dyno and its times', () => {
    const out = routerLine({ upstream: '127.0.0.1:5201, 127.0.0.1:5202', connectTime: '0.001, 0.002', responseTime: '0.001, 0.007' });
    assert.equal(out.line, logLine(facts, null, 'web.2', 2, 5, 200, 12));
  });

  void test('a port no dyno had is named by its address', () => {
    assert.match(routerLine({ upstream: '127.0.0.1:5999' }).line, / dyno=127\.0\.0\.1:5999 connect=1ms /);
  });

  void test('no upstream (`-`) leaves dyno, connect and service empty', () => {
    const out = routerLine({ code: 'H80', upstream: '-', connectTime: '-', responseTime: '-', status: '503', bytes: '301', contentLength: '' });
    assert.equal(out.line, logLine(facts, 'H80', null, 0, 0, 503, 301));
    assert.match(out.line, /^at=error code=H80 desc="Maintenance mode" .* dyno= connect= service= status=503 bytes=301 protocol=http$/);
  });

  void test('escape=json values are read back unescaped', () => {
    // As nginx writes `/q"x\y<U+0001>` and an X-Forwarded-For holding a quote.
    const record = parseRecord(lineOf({ path: '/q\\"x\\\\y\\u0001', fwd: '\\"evil\\", 127.0.0.1' }));
    assert.ok(record);
    assert.equal(record.path, '/q"x\\y\u0001');
    assert.equal(record.fwd, '"evil", 127.0.0.1');
    const out = recordToLine(record, dynoAt);
    assert.ok(out);
    assert.equal(out.line, logLine({ ...facts, path: '/q"x\\y\u0001', fwd: '"evil", 127.0.0.1' }, null, 'web.1', 1, 3, 200, 12));
    assert.ok(out.line.includes(' path="/q\\"x\\\\y\\u0001" '), 'and escaped again in the line');
  });

  void test('a client that left is H27 with status 499, except an upgraded (101) connection', () => {
    const left = routerLine({ completion: '', bytes: '5' });
    assert.equal(left.line, logLine(facts, 'H27', 'web.1', 1, 3, 499, 5));
    assert.match(left.line, /^at=info code=H27 desc="Client Request Interrupted" .* status=499 /);
    assert.match(routerLine({ status: '499', completion: '', bytes: '0', contentLength: '' }).line, /^at=info code=H27 .* status=499 bytes=0 /);
    const ws = routerLine({ status: '101', completion: '', bytes: '0', contentLength: '' });
    assert.equal(ws.line, logLine(facts, null, 'web.1', 1, 3, 101, 0));
  });

  void test('a dyno that sent less than its content-length is H18', () => {
    const out = routerLine({ contentLength: '100', bytes: '40' });
    assert.equal(out.line, logLine(facts, 'H18', 'web.1', 1, 3, 200, 40));
    assert.match(out.line, /^at=error code=H18 desc="Server Request Interrupted" /);
    assert.match(routerLine({ method: 'HEAD', contentLength: '100', bytes: '0' }).line, /^at=info /, 'not for HEAD');
    assert.match(routerLine({ status: '304', contentLength: '100', bytes: '0' }).line, /^at=info /, 'not for 304');
  });

  void test('a line with the wrong field count is no record; a record of no app is no line', () => {
    const fields = lineOf({}).split('\t');
    assert.equal(parseRecord(fields.slice(1).join('\t')), null);
    assert.equal(parseRecord([...fields, 'x'].join('\t')), null);
    assert.equal(parseRecord(''), null);
    const noApp = parseRecord(lineOf({ app: '' }));
    assert.ok(noApp);
    assert.equal(recordToLine(noApp, dynoAt), null);
  });
});

// ---------------------------------------------------------------------------------------------
// settings.ts
// ---------------------------------------------------------------------------------------------

void describe('routerEngine setting', () => {
  void test('auto by default; auto, node and nginx are accepted', () => {
    assert.equal(DEFAULT_SETTINGS.routerEngine, 'auto');
    for (const engine of ['auto', 'node', 'nginx']) {
      assert.deepEqual(validateSettings({ routerEngine: engine }, 'settings.json'), { routerEngine: engine });
    }
  });

  void test('anything else is refused with a message naming the setting and the allowed values', () => {
    for (const bad of ['Nginx', 'apache', '', 1, true, null, ['nginx']]) {
      assert.throws(
        () => validateSettings({ routerEngine: bad }, '/home/me/.slipway/settings.json'),
        (err: unknown) => {
          assert.ok(err instanceof PlatformError);
          assert.equal(err.code, 'settings_invalid');
          assert.ok(err.message.includes('/home/me/.slipway/settings.json'), err.message);
          assert.ok(err.message.includes('"routerEngine"'), err.message);
          assert.ok(err.message.includes('"auto", "node", "nginx"'), err.message);
          return true;
        },
        JSON.stringify(bad),
      );
    }
  });
});

// ---------------------------------------------------------------------------------------------
// engine.ts
// ---------------------------------------------------------------------------------------------

/** Puts `dirs` in front of PATH (alone: `only`) until the test ends. */
function withPath(t: TestContext, dirs: string[], only = false): void {
  const saved = process.env.PATH;
  process.env.PATH = only ? dirs.join(':') : [...dirs, saved ?? ''].join(':');
  t.after(() => {
    if (saved === undefined) delete process.env.PATH;
    else process.env.PATH = saved;
  });
}

void describe('router engine choice', () => {
  void test('auto falls back to the node engine, with a warning, when nginx does not start', async (t) => {
    const tmp = tempDir(t, 'slipway-nginx-engine-');
    const bin = join(tmp, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'nginx'), '#!/bin/sh\necho "nginx: [emerg] a fake nginx that never starts" >&2\nexit 1\n');
    chmodSync(join(bin, 'nginx'), 0o755);
    withPath(t, [bin]);
    assert.equal(findNginx(), join(bin, 'nginx'), 'the fake is the nginx found');

    const d = await dyno(t, 'web.1');
    const warnings: string[] = [];
    const router = createPlatformRouter({ engine: 'auto', dir: join(tmp, 'router'), ...routerOptions(new Map([['shop', up(d)]]), warnings) });
    t.after(() => router.close());
    const port = await router.listen(0);
    assert.equal(router.engine, 'node');
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0], /nginx/);
    assert.match(warnings[0], /node engine/);
    assert.match(warnings[0], /a fake nginx that never starts/, 'the warning carries what nginx said');
    assert.equal(await bodyOf(port, 'shop'), 'hello from web.1\n');
  });

  void test('node is the node engine even where nginx is installed', async (t) => {
    const tmp = tempDir(t, 'slipway-nginx-engine-');
    const router = createPlatformRouter({ engine: 'node', dir: join(tmp, 'router'), ...routerOptions(new Map(), []) });
    t.after(() => router.close());
    await router.listen(0);
    assert.equal(router.engine, 'node');
  });

  void test('nginx without nginx installed is an error that says how to install it', (t) => {
    const tmp = tempDir(t, 'slipway-nginx-engine-');
    assert.equal(findNginx([join(tmp, 'empty')]), null, 'no nginx in a directory without one');
    assert.throws(
      () => createPlatformRouter({ engine: 'nginx', nginx: null, dir: join(tmp, 'router'), ...routerOptions(new Map(), []) }),
      (err: unknown) => {
        assert.ok(err instanceof PlatformError);
        assert.equal(err.code, 'settings_invalid');
        assert.match(err.message, /routerEngine/);
        assert.match(err.message, /apt-get install nginx/);
        assert.match(err.message, /brew install nginx/);
        return true;
      },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// nginx-router.ts with the real nginx
// ---------------------------------------------------------------------------------------------

void describe('the nginx process', { skip: NGINX === null ? 'nginx is not installed here (apt-get install nginx)' : false }, () => {
  void test('nginx goes away by itself when the platform that started it is killed with -9', async (t) => {
    const tmp = tempDir(t, 'slipway-nginx-engine-');
    const dir = join(tmp, 'router');
    const { child, port, master } = await routerProcess(t, tmp, dir);
    const workers = childrenOf(master);
    assert.ok(workers.length > 0, 'nginx has a worker');
    assert.equal(await generationAt(port), 1, 'nginx serves');

    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    await until('the nginx master to go', () => Promise.resolve(gone(master) ? true : undefined));
    await until('the nginx workers to go', () => Promise.resolve(workers.every(gone) ? true : undefined));
    await until('the router port to refuse connections', async () => ((await refuses(port)) ? true : undefined));
  });

  void test('a master left over in the same directory is stopped when a router starts there', async (t) => {
    const tmp = tempDir(t, 'slipway-nginx-engine-');
    const dir = join(tmp, 'router');
    const old = await leftoverNginx(t, dir);
    assert.equal(masterOf(dir), old.master, 'the pid file names the leftover master');

    const d = await dyno(t, 'web.1');
    const warnings: string[] = [];
    const router = createNginxRouter({ nginx: NGINX as string, dir, ...routerOptions(new Map([['shop', up(d)]]), warnings) });
    t.after(() => router.close());
    const port = await router.listen(0);
    await until('the old master to go', () => Promise.resolve(gone(old.master) ? true : undefined));
    await until('the old port to refuse connections', async () => ((await refuses(old.port)) ? true : undefined));
    assert.notEqual(masterOf(dir), old.master);
    assert.equal(await bodyOf(port, 'shop'), 'hello from web.1\n');
    assert.deepEqual(warnings, []);
  });

  void test(
    'a master killed under the router: a warning, and nginx serves again',
    async (t) => {
      const tmp = tempDir(t, 'slipway-nginx-engine-');
      const dir = join(tmp, 'router');
      const d = await dyno(t, 'web.1');
      const warnings: string[] = [];
      const router = createNginxRouter({ nginx: NGINX as string, dir, ...routerOptions(new Map([['shop', up(d)]]), warnings) });
      t.after(() => router.close());
      const port = await router.listen(0);
      const master = masterOf(dir);
      const workers = childrenOf(master);
      reapAfter(t, [master, ...workers]);
      assert.equal(await generationAt(port), 1);

      process.kill(master, 'SIGKILL');
      await until('a warning that nginx exited', () => Promise.resolve(warnings.some((w) => /nginx exited/.test(w)) ? true : undefined), 15_000);
      await until('the killed master’s workers to go', () => Promise.resolve(workers.every(gone) ? true : undefined), 15_000);
      await until('the restarted nginx to serve its config', async () => ((await generationAt(port)) === 2 ? true : undefined), 15_000);
      const restarted = masterOf(dir);
      assert.notEqual(restarted, master);
      reapAfter(t, [restarted]);
      assert.equal(await bodyOf(port, 'shop'), 'hello from web.1\n');
    },
  );

  void test('a directory whose path holds a space and a quote serves and logs', async (t) => {
    const tmp = tempDir(t, 'slipway-nginx-engine-');
    const dir = join(tmp, "Jo O'Neil", 'router');
    const d = await dyno(t, 'web.1');
    const warnings: string[] = [];
    const lines: string[] = [];
    const router = createNginxRouter({ nginx: NGINX as string, dir, ...routerOptions(new Map([['shop', up(d)]]), warnings, lines) });
    t.after(() => router.close());
    const port = await router.listen(0);
    reapAfter(t, [masterOf(dir)]);
    assert.equal(await bodyOf(port, 'shop'), 'hello from web.1\n');
    const line = await until('the request’s log line', () => Promise.resolve(lines[0]));
    assert.match(line, /^shop: at=info method=GET path="\/" host=shop\.localhost .* dyno=web\.1 .* status=200 bytes=17 protocol=http$/);
    assert.deepEqual(warnings, []);
  });

  void test('refresh() reloads when routes change, and only then', async (t) => {
    const tmp = tempDir(t, 'slipway-nginx-engine-');
    const dir = join(tmp, 'router');
    const [a, b] = await Promise.all([dyno(t, 'web.1'), dyno(t, 'web.2')]);
    const table = new Map([['shop', up(a)]]);
    const warnings: string[] = [];
    const router = createNginxRouter({ nginx: NGINX as string, dir, ...routerOptions(table, warnings) });
    t.after(() => router.close());
    const port = await router.listen(0);
    const master = masterOf(dir);
    assert.equal(await generationAt(port), 1);

    await router.refresh();
    table.set('shop', up({ ...a }));
    await router.refresh();
    assert.equal(await generationAt(port), 1, 'the same routes: no reload');
    assert.equal(await bodyOf(port, 'shop'), 'hello from web.1\n');

    table.set('shop', up(b));
    await router.refresh();
    assert.equal(await generationAt(port), 2, 'new routes: the next generation is served');
    for (let i = 0; i < 3; i++) assert.equal(await bodyOf(port, 'shop'), 'hello from web.2\n', 'the new dyno answers');
    assert.equal(masterOf(dir), master, 'a reload, not a restart');
    assert.deepEqual(warnings, []);
  });
});
