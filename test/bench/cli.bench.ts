/**
 * The CLI's own cost: `slipway apps`, `ps` and `config:set` run as a user runs them
 * (`node dist/cli.js`, a new process each time) against a real platform, next to the same
 * request made by a bare `node -e` script (node:http, nothing else), the request alone from a
 * warm process, and `node -e 0`. Printed: when the answer was on stdout and when the process
 * exited (the two should be a few ms apart: nothing may keep the CLI alive after its answer).
 * Target (issue 16): exit ≤ 2 × `node -e 0` + the request.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median, ROOT, startPlatform, type BenchPlatform } from './lib/platform-process';

const RUNS = 9;

/** ms to the first byte on stdout and to the exit of `node ARGS`. */
function timeProcess(args: string[], env: NodeJS.ProcessEnv): Promise<{ printed: number; exited: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let printed = NaN;
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.once('data', () => (printed = performance.now() - t0));
    child.stdout.resume();
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited ${code}`));
      else resolve({ printed, exited: performance.now() - t0 });
    });
  });
}

async function medianOf(args: string[], env: NodeJS.ProcessEnv): Promise<{ printed: number; exited: number }> {
  const printed: number[] = [];
  const exited: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await timeProcess(args, env);
    printed.push(r.printed);
    exited.push(r.exited);
  }
  return { printed: median(printed), exited: median(exited) };
}

/** A script that makes one request with node:http and prints the body: the floor for any CLI. */
function bareRequest(url: string, token: string, method: string, path: string, body?: unknown): string[] {
  const payload = body === undefined ? '' : JSON.stringify(body);
  const script = `const r=require('node:http').request(${JSON.stringify(url + path)},{method:${JSON.stringify(method)},headers:{authorization:${JSON.stringify('Bearer ' + token)},'content-type':'application/json'}},(res)=>{res.pipe(process.stdout)});r.end(${JSON.stringify(payload)});`;
  return ['-e', script];
}

async function warmRequest(p: BenchPlatform, call: () => Promise<unknown>): Promise<number> {
  const xs: number[] = [];
  await call();
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await call();
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

export async function run(): Promise<void> {
  const p = await startPlatform();
  try {
    await p.client.createApp('bench');
    const token = readFileSync(join(p.home, 'token'), 'utf8').trim();
    const env = { ...process.env, SLIPWAY_HOME: p.home, SLIPWAY_APP: 'bench' };
    const cli = join(ROOT, 'dist', 'cli.js');
    const nodeZero = await medianOf(['-e', 'process.stdout.write("0")'], env);
    console.log(`node -e 0: ${nodeZero.exited.toFixed(0)} ms (the reference: Node's own start and exit)`);
    let n = 0;
    const cases: { name: string; argv: () => string[]; method: string; path: string; body?: () => unknown; call: () => Promise<unknown> }[] = [
      { name: 'apps', argv: () => ['apps'], method: 'GET', path: '/apps', call: () => p.client.apps() },
      { name: 'ps', argv: () => ['ps'], method: 'GET', path: '/apps/bench/dynos', call: () => p.client.dynos('bench') },
      {
        name: 'config:set',
        argv: () => ['config:set', `K=${++n}`],
        method: 'PATCH',
        path: '/apps/bench/config',
        body: () => ({ set: { K: String(++n) } }),
        call: () => p.client.changeConfig('bench', { set: { K: String(++n) } }),
      },
    ];
    for (const c of cases) {
      const request = await warmRequest(p, c.call);
      const bare = await medianOf(bareRequest(p.client.url, token, c.method, c.path, c.body?.()), env);
      const printed: number[] = [];
      const exited: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const r = await timeProcess([cli, ...c.argv()], env);
        printed.push(r.printed);
        exited.push(r.exited);
      }
      const cliExit = median(exited);
      const target = 2 * nodeZero.exited + request;
      console.log(
        `slipway ${c.name}: printed ${median(printed).toFixed(0)} ms, exited ${cliExit.toFixed(0)} ms; bare node:http request ${bare.exited.toFixed(0)} ms (${(cliExit / bare.exited).toFixed(2)}×); ` +
          `the request alone ${request.toFixed(1)} ms; exit = ${(cliExit / (nodeZero.exited + request)).toFixed(2)} × (node -e 0 + request) (target ≤ 2: ${cliExit <= target ? 'met' : 'NOT met'})`,
      );
    }
  } finally {
    await p.stop();
  }
}
