/**
 * Deploy to serving: from `slipway deploy` (the typed client's deploy, as the CLI does) until the
 * router returns the new body, p50 over several deploys that each change the greeting; and
 * rollback to serving. The absolute times are the figures the issue
 * sets targets for (there is no external reference for a whole deploy). Targets: deploy p50 ≤ 1.5 s,
 * rollback ≤ 0.5 s.
 */
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fixtureCopy, median, startPlatform } from './lib/platform-process';

const RUNS = 5;

function body(routerUrl: string, app: string): Promise<string> {
  const u = new URL(routerUrl);
  return new Promise((resolve) => {
    const req = request({ host: u.hostname, port: u.port, path: '/', headers: { host: `${app}.localhost` }, agent: false }, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve(b));
    });
    req.on('error', () => resolve(''));
    req.end();
  });
}

async function servedWithin(routerUrl: string, app: string, prefix: string): Promise<void> {
  while (!(await body(routerUrl, app)).startsWith(prefix)) await new Promise((r) => setTimeout(r, 5));
}

export async function run(): Promise<void> {
  const p = await startPlatform();
  const dir = fixtureCopy('node-web-worker');
  try {
    await p.client.createApp('speedy');
    await p.client.deploy('speedy', dir);
    await servedWithin(p.routerUrl, 'speedy', 'hello');
    const deploys: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      writeFileSync(join(dir, 'lib', 'greeting.js'), `exports.greeting = () => 'hello ${i}';\n`);
      const t0 = performance.now();
      await p.client.deploy('speedy', dir);
      await servedWithin(p.routerUrl, 'speedy', `hello ${i} `);
      deploys.push(performance.now() - t0);
    }
    const rollbacks: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const releases = await p.client.releases('speedy', 1);
      const target = releases[0].version - 1;
      const t0 = performance.now();
      await p.client.rollback('speedy', target);
      await servedWithin(p.routerUrl, 'speedy', i % 2 === 0 ? `hello ${RUNS - 2} ` : `hello ${RUNS - 1} `);
      rollbacks.push(performance.now() - t0);
    }
    console.log(`deploy → serving the new body: p50 ${median(deploys).toFixed(0)} ms (${deploys.map((x) => x.toFixed(0)).join(', ')}); target ≤ 1500 ms`);
    console.log(`rollback → serving the old body: p50 ${median(rollbacks).toFixed(0)} ms (${rollbacks.map((x) => x.toFixed(0)).join(', ')}); target ≤ 500 ms`);
  } finally {
    await p.stop();
  }
}

if (require.main === module) void run();
