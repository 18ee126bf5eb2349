/**
 * Add-ons: addons:create heroku-postgresql until DATABASE_URL accepts a query (the first one,
 * which creates the cluster, reported apart; target ≤ 1.5 s), against a bare `psql -c 'select 1'`
 * on the same cluster as the reference; and the idle RSS of the cluster and of one Redis.
 * (Capture/restore of a 100 MB database against raw pg_dump/pg_restore: not yet measured.)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../platform/app';
import { SlipwayClient } from '../../platform/api/client';

const query = (url: string) => execFileSync('psql', ['-X', '-A', '-t', '-c', 'select 1', url], { encoding: 'utf8' });

/** RSS of a process and its children (the cluster's backends), in MiB. */
function treeRss(pid: number): number {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,rss='], { encoding: 'utf8' });
  const rows = out.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  const pids = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [p, pp] of rows) {
      if (pids.has(pp) && !pids.has(p)) {
        pids.add(p);
        grew = true;
      }
    }
  }
  return rows.filter(([p]) => pids.has(p)).reduce((n, [, , rss]) => n + rss, 0) / 1024;
}

export async function run(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'slipway-bench-addons-'));
  const p = await build({ home, settings: { apiPort: 0, routerPort: 0 } });
  try {
    const { url } = await p.listen();
    const client = new SlipwayClient({ url, token: p.token });
    await client.createApp('bench');
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      const r = await client.createAddon('bench', 'heroku-postgresql', i === 0 ? undefined : `DB${i}`);
      query((await client.config('bench'))[r.addon.configVar]);
      times.push(performance.now() - t0);
    }
    const t1 = performance.now();
    query((await client.config('bench')).DATABASE_URL);
    const ref = performance.now() - t1;
    const rest = times.slice(1).sort((a, b) => a - b);
    const median = rest[Math.floor(rest.length / 2)];
    console.log(`addons:create heroku-postgresql until a query answers: first (creates the cluster) ${times[0].toFixed(0)} ms; then median ${median.toFixed(0)} ms (target ≤ 1500 ms); a bare psql query ${ref.toFixed(0)} ms (${(median / ref).toFixed(1)}×)`);
    await client.createAddon('bench', 'heroku-redis');
    const pgPid = Number(readFileSync(join(home, 'addons', 'postgresql', 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const redisPid = Object.values(p.ctx.addons.pids().redis)[0] ?? 0;
    console.log(`idle RSS: PostgreSQL cluster (postmaster and its processes) ${treeRss(pgPid).toFixed(1)} MiB, one Redis ${treeRss(redisPid).toFixed(1)} MiB`);
  } finally {
    await p.close();
    rmSync(home, { recursive: true, force: true });
  }
}
