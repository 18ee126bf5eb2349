/**
 * Router throughput and latency against nginx, measured in the same run (PERFORMANCE.md, "HTTP
 * through a proxy"): wrk -t1 -c32 -d8s against node-web-worker's server directly, through nginx
 * (1 worker, upstream keepalive 32, HTTP/1.1, access_log off) and through our router. Targets:
 * ours ≥ 0.5× nginx's requests/s (aim 0.8×) and at most 10 ms more p99 latency.
 *
 * What "ours" covers: the router as platform/app.ts wires it, in its own process — every
 * request's router line goes through a real LogStore (batched NDJSON writes to disk, rotation)
 * and resolve() builds a fresh route object per request as the platform's does. Two rows: "ours"
 * is the engine the platform picks by default (router/engine.ts: the nginx engine where nginx is
 * installed — its nginx, plus this process reading its access log), "ours-node" the node engine.
 * Not covered: the platform's other work on the same event loop (the API, dyno output going to
 * the log store), which is idle in this benchmark.
 * Each row also shows the CPU time (user+system, from /proc) its proxy process spent per
 * request: on two shared cores that is steadier than requests/s, which swing with other load.
 *
 * wrk and nginx are Debian packages: installed with apt-get when missing (as root); without wrk,
 * autocannon from node_modules is used if it is there; without nginx, that row is skipped.
 * ROUTER_BENCH_ROUNDS=N repeats the three measurements N times, interleaved.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

const ROOT = join(__dirname, '..', '..');
const DYNO = join(ROOT, 'test', 'fixtures', 'apps', 'node-web-worker', 'server.js');
const HOST = 'demo.localhost';
const DURATION_S = 8;
const CONNECTIONS = 32;

interface Result {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU µs the proxy (or the dyno, for direct) spent per request; NaN when unknown. */
  cpuUs?: number;
}

function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return null;
}

let aptUpdated = false;
function aptInstall(pkg: string): void {
  if (process.getuid?.() !== 0) return;
  if (!aptUpdated) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    aptUpdated = true;
  }
  spawnSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

function locate(cmd: string, pkg: string): string | null {
  const found = which(cmd);
  if (found) return found;
  aptInstall(pkg);
  return which(cmd);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once 127.0.0.1:port accepts a connection (or rejects after `ms`). */
async function accepting(port: number, child: ChildProcess, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before listening on ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = createConnection({ host: '127.0.0.1', port }, () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function startDyno(port: number): ChildProcess {
  return spawn(process.execPath, [DYNO], { env: { ...process.env, PORT: String(port), DYNO: 'web.1' }, stdio: 'ignore' });
}

function startNginx(nginx: string, dir: string, port: number, upstream: number): ChildProcess {
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub), { recursive: true });
  chmodSync(dir, 0o755); // nginx's worker may run as an unprivileged user
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream dyno { server 127.0.0.1:${upstream}; keepalive 32; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://dyno;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }
  }
}
`,
  );
  return spawn(nginx, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
}

/**
 * Our router in its own process (not competing with the load tool's event loop), static routes,
 * bundled by esbuild as the platform is (dist/platform.js), so no TypeScript loader runs in it.
 * `engine`: the node engine serves the port itself; the nginx engine runs an nginx and turns its
 * access log into router lines in this process, as the platform does.
 */
function startRouter(dir: string, port: number, upstream: number, engine: 'node' | 'nginx', nginx: string | null): ChildProcess {
  const bundle = join(dir, `router-${engine}.js`);
  const create =
    engine === 'node'
      ? 'createRouter({ resolve, log, timeoutMs })'
      : `createNginxRouter({ resolve, log, timeoutMs, nginx: ${JSON.stringify(nginx)}, dir: ${JSON.stringify(join(dir, 'nginx-engine'))}, apps: () => ['demo'], warn: (m) => console.error(m) })`;
  const entry = `
    import { createRouter } from './platform/router/router';
    import { createNginxRouter } from './platform/router/nginx/nginx-router';
    import { LogStore } from './platform/logs';
    // As platform/app.ts: the router's lines go to the app's log store (default history).
    const logs = new LogStore({ dir: () => ${JSON.stringify(join(dir, `logs-${engine}`))} });
    const web = [{ type: 'web', number: 1, name: 'web.1', state: 'up', port: ${upstream} }];
    // As the platform's resolve (app state, then DynoManager.webTargets/anyWebCrashed): a fresh route per request.
    const resolve = (app) => app === 'demo' ? { maintenance: false, targets: web.filter((d) => d.state === 'up').map((d) => ({ dyno: d.name, port: d.port })), crashed: web.some((d) => d.state === 'crashed') } : null;
    const log = (app, message) => logs.append(app, 'slipway', 'router', message);
    const timeoutMs = () => 30_000;
    const router = ${create};
    void router.listen(${port});
    process.on('SIGTERM', () => void router.close().then(() => logs.close()).then(() => process.exit(0)));
  `;
  buildSync({ stdin: { contents: entry, resolveDir: ROOT, loader: 'ts' }, bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: bundle, logLevel: 'warning' });
  return spawn(process.execPath, [bundle], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** CPU time (user + system, ms) a process has used, from /proc; null where there is no /proc. */
function cpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // clock ticks (USER_HZ 100)
  } catch {
    return null;
  }
}

/** nginx's one worker process (the master forks it): the process that proxies. */
function nginxWorker(master: number | undefined): number | undefined {
  if (master === undefined) return undefined;
  try {
    const children = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/);
    return children[0] ? Number(children[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** The nginx engine's master, from the pid file nginx writes in its directory. */
function engineMaster(dir: string): number | undefined {
  try {
    return Number(readFileSync(join(dir, 'nginx-engine', 'nginx.pid'), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** CPU ms of several processes together; null when one is unknown. */
function cpuOf(pids: (number | undefined)[]): number | null {
  let sum = 0;
  for (const pid of pids) {
    const ms = cpuMs(pid);
    if (ms === null) return null;
    sum += ms;
  }
  return sum;
}

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

async function load(tool: { kind: 'wrk' | 'autocannon'; path: string }, port: number, seconds: number): Promise<Result> {
  const url = `http://127.0.0.1:${port}/`;
  const args =
    tool.kind === 'wrk'
      ? ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-H', `Host: ${HOST}`, url]
      : ['-c', String(CONNECTIONS), '-d', String(seconds), '-j', '-H', `Host=${HOST}`, url];
  const child = spawn(tool.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${tool.kind} failed (${code}): ${out}`);
  if (tool.kind === 'autocannon') {
    const j = JSON.parse(out) as { requests: { average: number }; latency: { p50: number; p99: number } };
    return { rps: j.requests.average, p50Ms: j.latency.p50, p99Ms: j.latency.p99 };
  }
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50Ms = toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '');
  const p99Ms = toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? '');
  if (!(rps > 0)) throw new Error(`cannot read wrk's output:\n${out}`);
  return { rps, p50Ms, p99Ms };
}

const fmt = (r: Result): string =>
  `${(r.rps / 1000).toFixed(1).padStart(6)}k req/s  p50 ${r.p50Ms.toFixed(2).padStart(6)} ms  p99 ${r.p99Ms.toFixed(2).padStart(7)} ms` +
  (r.cpuUs !== undefined && Number.isFinite(r.cpuUs) ? `  cpu ${r.cpuUs.toFixed(0).padStart(3)} µs/req` : '');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const span = (xs: number[], digits: number): string =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

export async function run(): Promise<void> {
  const wrk = locate('wrk', 'wrk');
  const autocannon = join(ROOT, 'node_modules', '.bin', 'autocannon');
  const tool = wrk ? { kind: 'wrk' as const, path: wrk } : existsSync(autocannon) ? { kind: 'autocannon' as const, path: autocannon } : null;
  if (!tool) throw new Error('router bench: neither wrk (apt-get install wrk) nor autocannon (npm install -D autocannon) is available');
  const nginx = locate('nginx', 'nginx');
  const rounds = Math.max(1, Number(process.env.ROUTER_BENCH_ROUNDS ?? 1) || 1);

  const dir = mkdtempSync(join(tmpdir(), 'slipway-bench-router-'));
  const [dynoPort, nginxPort, routerPort, nodeRouterPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const children: ChildProcess[] = [];
  try {
    const dyno = startDyno(dynoPort);
    children.push(dyno);
    await accepting(dynoPort, dyno);
    const paths: [string, number][] = [['direct', dynoPort]];
    // The processes whose CPU a row counts (read after the warm-up, when nginx's workers exist).
    const pids = new Map<string, () => (number | undefined)[]>([['direct', () => [dyno.pid]]]);
    if (nginx) {
      const n = startNginx(nginx, dir, nginxPort, dynoPort);
      children.push(n);
      await accepting(nginxPort, n);
      paths.push(['nginx', nginxPort]);
      pids.set('nginx', () => [nginxWorker(n.pid)]);
    } else {
      console.log('router bench: nginx is not installed; its row is skipped, and ours is the node engine');
    }
    // "ours": the engine the platform picks by default (nginx when installed); the node engine too.
    const engines: ['ours' | 'ours-node', 'node' | 'nginx', number][] = nginx ? [['ours', 'nginx', routerPort], ['ours-node', 'node', nodeRouterPort]] : [['ours', 'node', routerPort]];
    for (const [name, engine, port] of engines) {
      const router = startRouter(dir, port, dynoPort, engine, nginx);
      children.push(router);
      await accepting(port, router);
      paths.push([name, port]);
      pids.set(name, engine === 'node' ? () => [router.pid] : () => [router.pid, nginxWorker(engineMaster(dir))]);
    }

    // Warm up every path (JIT, connection pools) before measuring.
    for (const [, port] of paths) await load(tool, port, 1);
    const results = new Map<string, Result[]>(paths.map(([name]) => [name, []]));
    for (let i = 0; i < rounds; i++) {
      for (const [name, port] of paths) {
        const procs = pids.get(name)?.() ?? [];
        const before = cpuOf(procs);
        const r = await load(tool, port, DURATION_S);
        const after = cpuOf(procs);
        r.cpuUs = before === null || after === null ? NaN : ((after - before) * 1000) / (r.rps * DURATION_S);
        results.get(name)?.push(r);
      }
    }

    const oursRows = engines.map(([name, engine]) => ({ name, engine }));
    console.log(`router bench: ${tool.kind} 1 thread, ${CONNECTIONS} connections, ${DURATION_S} s, node-web-worker's server; ${rounds} round(s)`);
    console.log(`  ${oursRows.map((o) => `${o.name} = the ${o.engine} engine`).join(', ')}; cpu: the proxy's processes (nginx engine: its worker + the platform reading its log)`);
    const compare = (label: string, ours: Result, ng: Result): string => {
      const ratio = ours.rps / ng.rps;
      const dp99 = ours.p99Ms - ng.p99Ms;
      return (
        `  ${label}/nginx throughput ${ratio.toFixed(2)}× (target ≥ 0.5×, aim 0.8×) ${ratio >= 0.5 ? 'ok' : 'BELOW TARGET'}; ` +
        `p99 ${dp99 >= 0 ? '+' : ''}${dp99.toFixed(2)} ms (target ≤ +10 ms) ${dp99 <= 10 ? 'ok' : 'ABOVE TARGET'}`
      );
    };
    for (let i = 0; i < rounds; i++) {
      if (rounds > 1) console.log(`  round ${i + 1}`);
      for (const [name] of paths) {
        const r = results.get(name)?.[i];
        if (r) console.log(`  ${name.padEnd(9)} ${fmt(r)}`);
      }
      const ng = results.get('nginx')?.[i];
      for (const { name } of oursRows) {
        const ours = results.get(name)?.[i];
        if (ours && ng) console.log(compare(name, ours, ng));
      }
    }
    if (rounds > 1) {
      console.log(`  over ${rounds} rounds: median (min–max)`);
      for (const [name] of paths) {
        const rs = results.get(name) ?? [];
        const cpu = rs.map((r) => r.cpuUs ?? NaN).filter(Number.isFinite);
        console.log(
          `  ${name.padEnd(9)} ${span(rs.map((r) => r.rps / 1000), 1)}k req/s  p50 ${span(rs.map((r) => r.p50Ms), 2)} ms  p99 ${span(rs.map((r) => r.p99Ms), 2)} ms` +
            (cpu.length ? `  cpu ${span(cpu, 0)} µs/req` : ''),
        );
      }
      const ng = results.get('nginx') ?? [];
      const direct = results.get('direct') ?? [];
      if (ng.length > 0) console.log(`  nginx/direct ${span(ng.map((r, i) => r.rps / direct[i].rps), 2)}×`);
      for (const { name } of oursRows) {
        const ours = results.get(name) ?? [];
        if (ng.length === ours.length && ng.length > 0) {
          console.log(`  ${name}/nginx ${span(ours.map((r, i) => r.rps / ng[i].rps), 2)}×  p99 ${name}−nginx ${span(ours.map((r, i) => r.p99Ms - ng[i].p99Ms), 2)} ms`);
        }
      }
    }
    console.log('  (two cores shared by the load tool, the proxy and the dyno: compare ratios within one run)');
  } finally {
    for (const c of children.reverse()) await stop(c);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void run();
