/**
 * The nginx engine: the router's port is served by an nginx the platform runs and reconfigures
 * (config.ts), where nginx is installed. It is the same router as the node engine (router.ts) —
 * same routing, headers, pages, codes and log lines; the test suite runs against both — at
 * about half the CPU per request: on two cores the node engine reaches 0.3–0.45× the
 * requests/s of a bare nginx in front of the same dyno, this one about 0.7×
 * (test/bench/router.bench.ts).
 *
 * Life of the nginx process:
 * - It runs under a small `sh` watchdog that holds a pipe from the platform on its stdin: when
 *   the platform goes, even killed with -9, the pipe closes and the watchdog stops nginx, so no
 *   router of an old run keeps the port. The watchdog exits when nginx does, and its process
 *   group (a dead master's workers) goes with it. A master left over all the same (its pid file
 *   names it) is stopped before a new one starts.
 * - listen() takes the port at once (a port in use fails there, as node's EADDRINUSE), then
 *   waits for nginx to serve the first config; `bound` hears of the port before that.
 * - Routes change (a dyno up or gone, maintenance, an app created or deleted): refresh() writes
 *   the new config and sends SIGHUP; nginx starts a worker on it and lets the old one finish
 *   its requests. refresh() resolves once new connections get the new config (each config
 *   serves its generation number at GENERATION_HOST). Unchanged routes cost no reload.
 * - nginx exits by itself (it should not): the platform starts it again after a second, and
 *   says so on its stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { probePort } from '../../dynos/ports';
import { signalGroup, signalProcess } from '../../dynos/process-group';
import { pidAlive } from '../../discovery/platform-file';
import type { Router, RouterOptions } from '../router';
import type { AppRoute } from '../types';
import { AccessLogPipe } from './access-log';
import { GENERATION_HOST, nginxConfig } from './config';

export interface NginxRouterOptions extends RouterOptions {
  /** The nginx binary. */
  nginx: string;
  /** Its working directory (config, pid file, temp paths). */
  dir: string;
  /** Every app name (resolve() tells each one's route). */
  apps(): Iterable<string>;
  /** Something the user should know (nginx restarted, a reload not taken). */
  warn(message: string): void;
}

const READY_MS = 10_000;
const RELOAD_MS = 5_000;
const RESTART_MS = 1_000;

/**
 * Runs `nginx ARGS…` as its child, stops it when stdin closes (the platform is gone) or on
 * SIGTERM, and exits with nginx's status when nginx exits by itself (so the platform notices).
 * Background jobs of `sh` read /dev/null: the platform's pipe is kept on fd 3 for the reader.
 * Fixed text: the arguments are positional parameters, never spliced into it.
 */
const WATCHDOG = `exec 3<&0
"$@" </dev/null &
child=$!
trap 'kill -TERM $child 2>/dev/null; wait $child; exit 0' TERM INT
{ while read -r _ <&3; do :; done; kill -TERM $child 2>/dev/null; } &
reader=$!
wait $child
status=$?
kill $reader 2>/dev/null
exit $status`;

/** The generation the config answering on `port` serves, or null (not up, or no answer). */
function servedGeneration(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/generation', headers: { host: GENERATION_HOST, connection: 'close' }, timeout: 1000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 ? Number(body) : null));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The master named in nginx's pid file, if that process is an nginx of this directory (ours, or one left over). */
function masterOf(dir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dir, 'nginx.pid'), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 1) return null;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('nginx') && cmdline.includes(dir) ? pid : null;
  } catch {
    return null;
  }
}

/** SIGKILL to what is left of a watchdog's process group (a worker whose master died). */
function killGroup(proc: ChildProcess): void {
  if (proc.pid !== undefined) signalGroup(proc.pid, 'SIGKILL');
}

/** nginx workers of `master` that are not shutting down (their title says so once they are). */
function activeWorkers(master: number): number {
  let children: string[];
  try {
    children = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return 0; // no /proc: nothing to wait for
  }
  let n = 0;
  for (const pid of children) {
    try {
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (title.includes('worker process') && !title.includes('shutting down')) n++;
    } catch {
      // gone
    }
  }
  return n;
}

async function stopLeftover(dir: string): Promise<void> {
  const pid = masterOf(dir);
  if (pid === null) return;
  signalProcess(pid, 'SIGTERM');
  const deadline = Date.now() + 3000;
  while (pidAlive(pid) && Date.now() < deadline) await delay(20);
  if (pidAlive(pid)) signalProcess(pid, 'SIGKILL');
}

export function createNginxRouter(opts: NginxRouterOptions): Router {
  const dir = opts.dir;
  const confPath = join(dir, 'nginx.conf');
  const dynoAt = new Map<number, string>();
  const accessLog = new AccessLogPipe(
    join(dir, 'access.pipe'),
    (app, line) => {
      try {
        opts.log(app, line);
      } catch {
        // A failing log sink must not break routing.
      }
    },
    (port) => dynoAt.get(port) ?? null,
  );
  let port = 0;
  let generation = 0;
  let appliedKey = '';
  let child: ChildProcess | null = null;
  let closing = false;
  let stderrTail = '';
  let running: Promise<void> | null = null;
  let starting: Promise<void> | null = null;
  let again = false;

  /** What the config is made of: unchanged, no reload. */
  const keyOf = (table: Map<string, AppRoute>): string => JSON.stringify([opts.timeoutMs(), ...table]);

  function routes(): Map<string, AppRoute> {
    const table = new Map<string, AppRoute>();
    for (const app of opts.apps()) {
      const route = opts.resolve(app);
      if (route) table.set(app, { maintenance: route.maintenance, crashed: route.crashed, targets: route.targets.map((t) => ({ dyno: t.dyno, port: t.port })) });
    }
    return table;
  }

  /** Writes the config for `table` as the next generation (atomically: nginx may read it any time). */
  function writeConfig(table: Map<string, AppRoute>): number {
    generation++;
    const text = nginxConfig({
      dir,
      port,
      logPipe: accessLog.path,
      timeoutMs: opts.timeoutMs(),
      generation,
      user: process.getuid?.() === 0 ? userInfo().username : null,
      routes: table,
    });
    const tmp = `${confPath}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, confPath);
    if (dynoAt.size > 4096) dynoAt.clear();
    for (const route of table.values()) for (const t of route.targets) dynoAt.set(t.port, t.dyno);
    return generation;
  }

  async function waitGeneration(gen: number, ms: number, proc: ChildProcess | null): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      if ((await servedGeneration(port)) === gen) return true;
      if (closing || (proc && proc.exitCode !== null)) return false;
      if (Date.now() > deadline) return false;
      await delay(2);
    }
  }

  async function start(): Promise<void> {
    await stopLeftover(dir);
    const table = routes();
    appliedKey = keyOf(table);
    const gen = writeConfig(table);
    stderrTail = '';
    // No `-e stderr` (nginx 1.19.5+ only): an nginx that cannot open its default error log
    // says so on stderr and goes on; the config's `error_log stderr` applies from then on.
    // Its own process group: a master that dies leaves its workers serving, so the whole group
    // goes with it (killGroup).
    const proc = spawn('/bin/sh', ['-c', WATCHDOG, 'slipway-router', opts.nginx, '-p', `${dir}/`, '-c', confPath], {
      stdio: ['pipe', 'ignore', 'pipe'],
      detached: true,
    });
    child = proc;
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (c: string) => (stderrTail = (stderrTail + c).slice(-2000)));
    proc.stdin?.on('error', () => undefined);
    let ready = false;
    proc.on('exit', (code, signal) => {
      killGroup(proc);
      if (child !== proc) return;
      child = null;
      // One that never became ready is start()'s failure to report, not to retry.
      if (closing || !ready) return;
      opts.warn(`router: nginx exited (${signal ?? code}) ${stderrTail.trim()}; starting it again`);
      setTimeout(() => {
        if (!closing && child === null) start().catch((err: Error) => opts.warn(`router: nginx could not start again: ${err.message}`));
      }, RESTART_MS);
    });
    if (!(await waitGeneration(gen, READY_MS, proc))) {
      const why = stderrTail.trim() || (proc.exitCode !== null ? `it exited with ${proc.exitCode}` : `no answer on 127.0.0.1:${port} after ${READY_MS} ms`);
      child = null;
      proc.kill('SIGTERM');
      killGroup(proc);
      const err: NodeJS.ErrnoException = new Error(`nginx (${opts.nginx}) did not start as the router: ${why}`);
      if (/Address already in use/.test(why)) err.code = 'EADDRINUSE';
      throw err;
    }
    ready = true;
  }

  async function reloadIfChanged(): Promise<void> {
    const table = routes();
    const key = keyOf(table);
    if (key === appliedKey || child === null) return;
    appliedKey = key;
    const gen = writeConfig(table);
    const master = masterOf(dir);
    if (master === null || !signalProcess(master, 'SIGHUP') || !(await waitGeneration(gen, RELOAD_MS, null))) {
      if (closing) return;
      appliedKey = ''; // the next refresh tries again
      opts.warn(`router: nginx did not take the new routes within ${RELOAD_MS} ms ${stderrTail.trim()}`);
      return;
    }
    // The old worker may still take one request on a kept-alive connection until it has begun
    // to shut down (which closes its idle connections): wait for that too.
    const deadline = Date.now() + RELOAD_MS;
    while (activeWorkers(master) > 1 && Date.now() < deadline) await delay(2);
  }

  return {
    engine: 'nginx',
    async listen(wanted: number, bound?: (port: number) => void): Promise<number> {
      mkdirSync(dir, { recursive: true });
      for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub), { recursive: true });
      // A port in use is found here, at once, with node's EADDRINUSE (main.ts explains it).
      const claimed = await probePort(wanted);
      accessLog.start();
      port = claimed;
      starting = start();
      bound?.(claimed);
      try {
        await starting;
      } catch (err) {
        accessLog.close();
        port = 0;
        throw err;
      } finally {
        starting = null;
      }
      return claimed;
    },
    refresh(): Promise<void> {
      if (closing || port === 0) return Promise.resolve();
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        try {
          await starting?.catch(() => undefined); // start() writes the routes of its moment
          do {
            again = false;
            await reloadIfChanged();
          } while (again && !closing);
        } catch (err) {
          opts.warn(`router: ${(err as Error).message}`);
        } finally {
          running = null;
        }
      })();
      return running;
    },
    async close(): Promise<void> {
      closing = true;
      await running; // a reload in progress gives up at once (waitGeneration)
      const proc = child;
      child = null;
      if (proc && proc.exitCode === null) {
        const exited = once(proc, 'exit');
        proc.kill('SIGTERM');
        const timer = setTimeout(() => killGroup(proc), 5000);
        await exited;
        clearTimeout(timer);
      }
      await stopLeftover(dir);
      accessLog.close();
    },
  };
}
