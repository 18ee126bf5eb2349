/**
 * Logs under load: the `chatty` fixture writes numbered lines at LINES_PER_S for a while, a
 * `logs --tail` reader (the typed client's NDJSON stream, as the CLI uses) counts them and
 * measures write → reader latency from the timestamp in each line. Reports loss and p99 at
 * 10,000 lines/s for 30 s (the case), then the highest rate of a short ladder that
 * loses nothing. Issue targets: no line lost, p99 < 50 ms.
 */
import { performance } from 'node:perf_hooks';
import { fixtureCopy, percentile, startPlatform, type BenchPlatform } from './lib/platform-process';

async function measure(p: BenchPlatform, app: string, rate: number, seconds: number): Promise<{ lost: number; p99: number; p50: number; markers: number }> {
  const total = rate * seconds;
  await p.client.changeConfig(app, { set: { LINES_PER_S: String(rate), TOTAL_LINES: String(total) } });
  const seen = new Uint8Array(total + 1);
  const latencies: number[] = [];
  let markers = 0;
  const abort = new AbortController();
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const since = new Date().toISOString();
  const tail = p.client.tailLogs(app, { n: 1, ps: 'worker', since }, (line) => {
    if (/^Error L10/.test(line.message)) markers++;
    const m = /^line (\d+) t=(\d+)$/.exec(line.message);
    if (m) {
      const n = Number(m[1]);
      if (n <= total) seen[n] = 1;
      latencies.push(Date.now() - Number(m[2]));
    } else if (line.message === `done ${total}`) done();
  }, abort.signal);
  await p.client.scale(app, [{ type: 'worker', op: '=', count: 1 }]);
  const deadline = setTimeout(done, (seconds + 20) * 1000);
  await finished;
  clearTimeout(deadline);
  abort.abort();
  await tail.catch(() => undefined);
  await p.client.scale(app, [{ type: 'worker', op: '=', count: 0 }]);
  let lost = 0;
  for (let i = 1; i <= total; i++) if (!seen[i]) lost++;
  return { lost, p99: percentile(latencies, 99), p50: percentile(latencies, 50), markers };
}

export async function run(): Promise<void> {
  const p = await startPlatform({ logHistoryLines: 100000 });
  try {
    await p.client.createApp('chatty');
    await p.client.deploy('chatty', fixtureCopy('chatty'));
    const t0 = performance.now();
    const main = await measure(p, 'chatty', 10000, 30);
    console.log(`chatty 10,000 lines/s for 30 s → tail reader: lost ${main.lost} of 300000, L10 markers ${main.markers}, latency p50 ${main.p50} ms, p99 ${main.p99} ms (target: 0 lost, p99 < 50 ms) [${((performance.now() - t0) / 1000).toFixed(0)} s]`);
    let best = main.lost === 0 ? 10000 : 0;
    for (const rate of [20000, 40000, 80000]) {
      const r = await measure(p, 'chatty', rate, 5);
      console.log(`  ${rate} lines/s for 5 s: lost ${r.lost}, p99 ${r.p99} ms`);
      if (r.lost > 0) break;
      best = rate;
    }
    console.log(`  highest rate tried that lost nothing: ${best} lines/s`);
  } finally {
    await p.stop();
  }
}

if (require.main === module) void run();
