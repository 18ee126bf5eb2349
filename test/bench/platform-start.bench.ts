/**
 * Platform start to API ready (spawn of dist/platform.js until platform.json appears and the API
 * answers), and idle RSS after start. The reference measured in the same run is a bare
 * `node -e` start of the same Node binary, so the ratio shows what the platform itself adds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SlipwayClient } from '../../platform/client';
import { readPlatformFile } from '../../platform/platform-file';

const ROOT = join(__dirname, '..', '..');
const RUNS = 7;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function startOnce(): Promise<{ ms: number; rssMiB: number }> {
  const home = mkdtempSync(join(tmpdir(), 'slipway-bench-start-'));
  writeFileSync(join(home, 'settings.json'), JSON.stringify({ apiPort: 0, routerPort: 0 }));
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'platform.js')], { env: { ...process.env, SLIPWAY_HOME: home }, stdio: 'ignore' });
  try {
    for (;;) {
      const info = readPlatformFile(join(home, 'platform.json'));
      if (info) {
        const client = new SlipwayClient({ url: info.url, token: readFileSync(join(home, 'token'), 'utf8').trim() });
        await client.apps();
        const ms = performance.now() - t0;
        await new Promise((r) => setTimeout(r, 1000));
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
        return { ms, rssMiB: rssKiB / 1024 };
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(home, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const bare: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    bare.push(performance.now() - t0);
  }
  const starts: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await startOnce();
    starts.push(r.ms);
    rss.push(r.rssMiB);
  }
  const s = median(starts);
  const b = median(bare);
  console.log(`platform start → API ready: median ${s.toFixed(0)} ms over ${RUNS} runs (min ${Math.min(...starts).toFixed(0)}, max ${Math.max(...starts).toFixed(0)}); target ≤ 300 ms`);
  console.log(`  reference: bare \`node -e 0\` ${b.toFixed(0)} ms → platform/bare ${(s / b).toFixed(2)}×`);
  console.log(`idle RSS 1 s after ready: median ${median(rss).toFixed(1)} MiB; target ≤ 80 MB`);
}
