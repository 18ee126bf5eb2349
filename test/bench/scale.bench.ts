/**
 * Scale web 0 → 10 until all ten accept connections, against `foreman start -m web=10` of the
 * same Procfile until all ten accept (Debian's ruby-foreman), measured in the same run.
 * Issue target: ours ≤ 1.2× foreman.
 */
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ensureCommand, fixtureCopy, median, startPlatform } from './lib/platform-process';

const RUNS = 5;

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

async function allAccept(ports: () => Promise<number[]>, n: number): Promise<void> {
  for (;;) {
    const ps = await ports();
    if (ps.length === n && (await Promise.all(ps.map(accepts))).every(Boolean)) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function foremanOnce(dir: string, basePort: number): Promise<number> {
  const t0 = performance.now();
  const child = spawn('foreman', ['start', '-m', 'web=10', '-p', String(basePort), '-f', `${dir}/Procfile`, '-d', dir], { stdio: 'ignore', detached: true });
  const ports = Array.from({ length: 10 }, (_, i) => basePort + i);
  await allAccept(() => Promise.resolve(ports), 10);
  const ms = performance.now() - t0;
  process.kill(-child.pid!, 'SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return ms;
}

export async function run(): Promise<void> {
  const haveForeman = ensureCommand('foreman', 'ruby-foreman');
  const dir = fixtureCopy('node-web-worker');
  const p = await startPlatform();
  try {
    await p.client.createApp('scale');
    await p.client.deploy('scale', dir);
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await p.client.scale('scale', [{ type: 'web', op: '=', count: 0 }]);
      await allAccept(async () => (await p.client.dynos('scale')).filter((d) => d.type === 'web').map((d) => d.port ?? 0), 0);
      const t0 = performance.now();
      await p.client.scale('scale', [{ type: 'web', op: '=', count: 10 }]);
      await allAccept(async () => (await p.client.dynos('scale')).filter((d) => d.type === 'web' && d.port !== null).map((d) => d.port ?? 0), 10);
      ours.push(performance.now() - t0);
      if (haveForeman) theirs.push(await foremanOnce(dir, 17000 + i * 100));
    }
    const sandboxed = (await p.client.dynos('scale'))[0]?.sandboxed;
    console.log(`scale web 0→10 until all accept: median ${median(ours).toFixed(0)} ms (${ours.map((x) => x.toFixed(0)).join(', ')}), sandboxed=${sandboxed}`);
    if (haveForeman) {
      console.log(`  reference foreman start -m web=10: median ${median(theirs).toFixed(0)} ms (${theirs.map((x) => x.toFixed(0)).join(', ')})`);
      console.log(`  ratio ours/foreman: ${(median(ours) / median(theirs)).toFixed(2)}× (target ≤ 1.2×)`);
    } else console.log('  foreman could not be installed: no reference measured');
  } finally {
    await p.stop();
  }
}

if (require.main === module) void run();
