/**
 * Slug build speed on the tree from test/fixtures/make-tree.js (20,003 files, about 100 MB):
 * GNU `tar -czf` of the tree (the reference, measured in the same run), then our cold build
 * (empty work dir), then a rebuild after changing one file. Targets: cold ≤ 1.0× tar (aim
 * 0.6×), rebuild ≤ 0.15× cold. The three are repeated SLUG_BENCH_ROUNDS times (default 3) and
 * the medians printed: on a shared two-core machine a burst of other work during one
 * measurement moves a single ratio a lot. Both builds are CPU-bound, so the CPU ratio printed
 * last is what the wall-time ratio tends to when no core is left idle.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildCaches, buildSlug, type BuildOptions } from '../../platform/builds/build';

const caches = new BuildCaches();
import { GZIP_LEVEL } from '../../platform/slugs/gzip-member';

const ROOT = join(__dirname, '..', '..');
const MiB = 1024 * 1024;
const ROUNDS = Math.max(1, Number(process.env.SLUG_BENCH_ROUNDS ?? 3));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** Runs GNU tar under bash, whose `times` reports the CPU the reference used (its children's). */
function gnuTarCzf(out: string, dir: string): { ms: number; cpuMs: number } {
  const t0 = performance.now();
  const r = spawnSync('bash', ['-c', 'tar -czf "$0" -C "$1" . && times', out, dir], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`tar -czf failed: ${r.stderr}`);
  // `times`: the shell's user and system time, then its children's: "0m8.016s 0m0.285s"
  const children = r.stdout.trim().split('\n').at(-1) ?? '';
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
  return { ms, cpuMs: seconds * 1000 };
}

async function timedAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; cpuMs: number; value: T }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const cpu = process.cpuUsage(cpu0);
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, value };
}

export async function run(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'slipway-bench-slug-'));
  try {
    const tree = join(base, 'tree');
    const made = spawnSync(process.execPath, [join(ROOT, 'test', 'fixtures', 'make-tree.js'), tree], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`make-tree.js failed: ${made.stderr}`);
    spawnSync('sync'); // the tree's dirty pages are written back before anything is timed
    console.log(`tree: ${made.stdout.trim()}`);

    const tar: number[] = [];
    const tarCpu: number[] = [];
    const cold: number[] = [];
    const coldCpu: number[] = [];
    const rebuild: number[] = [];
    let tarBytes = 0;
    let coldBytes = 0;
    let rebuildBytes = 0;
    let members = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const out = join(base, `round${round}`);
      const ref = join(out, 'ref.tar.gz');
      spawnSync('mkdir', ['-p', out]);
      const t = gnuTarCzf(ref, tree);
      tar.push(t.ms);
      tarCpu.push(t.cpuMs);
      tarBytes = statSync(ref).size;

      const opts: BuildOptions = {
        app: 'bench',
        sourceDir: tree,
        workDir: join(out, 'work'),
        slugsDir: join(out, 'slugs'),
        env: {},
        softLimitBytes: 300 * MiB,
        hardLimitBytes: 500 * MiB,
        log: () => undefined,
        // one platform's build caches, kept across its rounds (as a platform keeps them)
        caches,
      };
      const c = await timedAsync(() => buildSlug(opts));
      cold.push(c.ms);
      coldCpu.push(c.cpuMs);
      coldBytes = c.value.slug.size;
      members = readdirSync(join(opts.workDir, 'chunks')).length;

      appendFileSync(join(tree, 'vendor', 'pkg42', 'lib', 'file42.js'), `\n// round ${round}\n`);
      const r = await timedAsync(() => buildSlug(opts));
      rebuild.push(r.ms);
      rebuildBytes = r.value.slug.size;
      rmSync(out, { recursive: true, force: true });
    }

    const tarMs = median(tar);
    const coldMs = median(cold);
    const rebuildMs = median(rebuild);
    const of = ROUNDS > 1 ? ` (median of ${ROUNDS})` : '';
    console.log(`GNU tar -czf (reference): ${s(tarMs)}${of}, ${mb(tarBytes)}, CPU ${s(median(tarCpu))}`);
    console.log(`cold build (empty work dir): ${s(coldMs)}${of}, ${mb(coldBytes)} in ${members} gzip members (level ${GZIP_LEVEL}), CPU ${s(median(coldCpu))}`);
    console.log(`rebuild after changing one file: ${s(rebuildMs)}${of}, ${mb(rebuildBytes)}`);
    console.log(`ratios: cold/tar ${(coldMs / tarMs).toFixed(2)}× (target ≤ 1.0×, aim 0.6×); rebuild/cold ${(rebuildMs / coldMs).toFixed(3)}× (target ≤ 0.15×)`);
    console.log(`CPU: cold/tar ${(median(coldCpu) / median(tarCpu)).toFixed(2)}× (what the wall-time ratio tends to when other work leaves no core idle)`);
    console.log(`sizes: slug/tar ${(coldBytes / tarBytes).toFixed(3)}×`);
    if (ROUNDS > 1) {
      console.log(`each round, cold/tar: ${cold.map((c, i) => `${(c / tar[i]).toFixed(2)}×`).join(', ')}`);
      console.log(`each round, rebuild/cold: ${rebuild.map((r, i) => `${(r / cold[i]).toFixed(3)}× (${s(r)})`).join(', ')}`);
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
