/**
 * Platform start to API ready (spawn of dist/platform.js until platform.json appears and the API
 * answers), and idle RSS after start. The reference measured in the same run is a bare
 * `node -e` start of the same Node binary, so the ratio shows what the platform itself adds.
 *
 * dist/platform.js keeps V8's code cache of the platform bundle next to it (platform/launcher.ts):
 * the first start after a build writes it, the later ones read it. The warm figure is the one
 * every start but the first after an install or a build sees; the cold one (SLIPWAY_NO_CODE_CACHE,
 * no cache read or written) is printed too. Spawned as the CLI and the editor spawn it: plain
 * `node dist/platform.js`, no V8 flags, the environment from platformEnv (NODE_EXTRA_CA_CERTS
 * deferred: platform/discovery/spawn-env.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SlipwayClient } from '../../platform/api/client';
import { readPlatformFile } from '../../platform/discovery/platform-file';
import { platformEnv } from '../../platform/discovery/spawn-env';

const ROOT = join(__dirname, '..', '..');
const RUNS = 7;
const COLD_RUNS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function startOnce(extraEnv: Record<string, string> = {}): Promise<{ ms: number; rssMiB: number }> {
  const home = mkdtempSync(join(tmpdir(), 'slipway-bench-start-'));
  writeFileSync(join(home, 'settings.json'), JSON.stringify({ apiPort: 0, routerPort: 0 }));
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'platform.js')], { env: platformEnv(process.env, { ...extraEnv, SLIPWAY_HOME: home }), stdio: 'ignore' });
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
  // The reference: a bare node start with the environment the platform gets (platformEnv:
  // NODE_EXTRA_CA_CERTS deferred, platform/discovery/spawn-env.ts), and with the caller's as it is.
  const bareStart = (env: NodeJS.ProcessEnv) => {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0'], { env });
    return performance.now() - t0;
  };
  const bare: number[] = [];
  const bareAsIs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    bare.push(bareStart(platformEnv(process.env)));
    bareAsIs.push(bareStart(process.env));
  }
  const cold: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) cold.push((await startOnce({ SLIPWAY_NO_CODE_CACHE: '1' })).ms);
  await startOnce(); // writes the code cache if this build has none yet
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
  if (process.env.NODE_EXTRA_CA_CERTS !== undefined) {
    console.log(`  (NODE_EXTRA_CA_CERTS is set here: a bare start that loads it takes ${median(bareAsIs).toFixed(0)} ms; the platform defers it, platform/discovery/spawn-env.ts)`);
  }
  console.log(`  cold (no code cache, as the first start after a build): median ${median(cold).toFixed(0)} ms over ${COLD_RUNS} runs (min ${Math.min(...cold).toFixed(0)}, max ${Math.max(...cold).toFixed(0)})`);
  console.log(`idle RSS 1 s after ready: median ${median(rss).toFixed(1)} MiB; target ≤ 80 MB`);
}
