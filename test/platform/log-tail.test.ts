/**
 * `logs --tail` behind a reader slower than the app (PLATFORM.md, Logs): a real platform, a
 * real HTTP reader that takes a known number of bytes a second, and lines appended at 2× and
 * 4× what that reader can take. Every line written is either received or counted by an
 * `Error L10 … N messages dropped` marker at its gap, and the reader receives again after
 * each marker: received + Σ N == written, exactly. Nothing here asserts a time; a stall (the
 * bug this guards against) shows as the test's timeout with the counts so far.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { test, type TestContext } from 'node:test';
import { startPlatform, type TestPlatform } from '../helpers/platform';

/** Every line's NDJSON encoding is this long, so a byte rate is a line rate. */
const LINE_BYTES = 128;
const READER_BYTES_PER_S = 1024 * 1024;
const READER_LINES_PER_S = READER_BYTES_PER_S / LINE_BYTES; // 8192

type Seen = { kind: 'line'; seq: number } | { kind: 'marker'; dropped: number } | { kind: 'end' };

/** GET …/logs?tail=true read at `bytesPerS` at most: the socket is paused whenever the reader is ahead of its budget. */
function throttledTail(p: TestPlatform, app: string, bytesPerS: number, onSeen: (s: Seen) => void): () => void {
  const url = new URL(`/apps/${app}/logs?tail=true&n=1&ps=web.1`, p.url);
  const req = request(url, { headers: { authorization: `Bearer ${p.token}` } }, (res) => {
    assert.equal(res.statusCode, 200);
    const t0 = performance.now();
    let bytes = 0;
    let rest = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      bytes += Buffer.byteLength(chunk);
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const text of lines) {
        const line = JSON.parse(text) as { dyno: string; message: string };
        const m = /^line (\d+) /.exec(line.message);
        const l10 = /^Error L10 \(output buffer overflow\): (\d+) messages dropped$/.exec(line.message);
        if (m && line.dyno === 'web.1') onSeen({ kind: 'line', seq: Number(m[1]) });
        else if (l10 && line.dyno === 'logplex') onSeen({ kind: 'marker', dropped: Number(l10[1]) });
        else if (line.message === 'end') onSeen({ kind: 'end' });
        else assert.fail(`unexpected line ${text}`);
      }
      const ahead = (bytes / bytesPerS) * 1000 - (performance.now() - t0);
      if (ahead > 0) {
        res.pause();
        setTimeout(() => res.resume(), ahead);
      }
    });
  });
  req.on('error', () => undefined); // closed by the test
  req.end();
  return () => req.destroy();
}

/** Appends `total` numbered lines to web.1 at `linesPerS` (catching up by elapsed time when the loop is late). */
function writeLines(p: TestPlatform, app: string, linesPerS: number, total: number): Promise<void> {
  const pad = (n: number) => {
    const base = `line ${n} `;
    const probe = JSON.stringify({ time: new Date().toISOString(), source: 'app', dyno: 'web.1', message: base }) + '\n';
    return base + 'x'.repeat(LINE_BYTES - probe.length);
  };
  return new Promise((resolve) => {
    const t0 = performance.now();
    let written = 0;
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * linesPerS));
      while (written < due) p.ctx.logs.append(app, 'app', 'web.1', pad(++written));
      if (written === total) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
}

async function tailBehind(t: TestContext, p: TestPlatform, app: string, factor: number, seconds: number): Promise<void> {
  await p.client.createApp(app);
  const total = READER_LINES_PER_S * factor * seconds;
  let received = 0;
  let dropped = 0;
  let markers = 0;
  let firstMarkerAt = 0;
  let last = 0; // the last line received (or accounted for by a marker)
  let receivedAfterMarker = 0;
  let accountedFor!: () => void;
  let ended!: () => void;
  const allAccounted = new Promise<void>((r) => (accountedFor = r));
  const end = new Promise<void>((r) => (ended = r));
  const close = throttledTail(p, app, READER_BYTES_PER_S, (s) => {
    if (s.kind === 'line') {
      assert.equal(s.seq, last + 1, `line ${s.seq} follows line ${last} with no marker for the gap`);
      last = s.seq;
      received++;
      if (markers > 0) receivedAfterMarker++; // after the first marker
    } else if (s.kind === 'marker') {
      assert.ok(s.dropped > 0);
      last += s.dropped;
      dropped += s.dropped;
      markers++;
      if (markers === 1) firstMarkerAt = last;
    } else ended();
    if (received + dropped === total) accountedFor();
  });
  try {
    // Subscribed once the platform holds a follower for the app (the reader's request arrived).
    while (p.ctx.logs.followerStats(app).length === 0) await new Promise((r) => setImmediate(r));
    await writeLines(p, app, READER_LINES_PER_S * factor, total);
    await allAccounted;
    p.ctx.logs.append(app, 'app', 'web.1', 'end'); // the reader keeps receiving after its last gap
    await end;
    t.diagnostic(`${factor}×: written ${total}, received ${received}, dropped ${dropped} in ${markers} L10 markers (the first after line ${firstMarkerAt})`);
    assert.equal(received + dropped, total, `received ${received} + dropped ${dropped} (in ${markers} L10 markers) != written ${total}`);
    assert.ok(markers > 0, `a reader taking 1/${factor} of the rate fell behind (received ${received} of ${total})`);
    assert.ok(received > READER_LINES_PER_S, `the reader kept receiving (${received} lines)`);
    assert.equal(last, total);
    assert.ok(receivedAfterMarker > 0, 'lines arrived after an L10 marker: the reader receives again after a gap');
  } finally {
    close();
  }
}

void test('a tail reader at half the rate of the app: every line is received or counted by an L10 marker', { timeout: 120_000 }, async (t) => {
  const p = await startPlatform(t);
  await tailBehind(t, p, 'twice', 2, 8);
});

void test('a tail reader at a quarter of the rate of the app: every line is received or counted by an L10 marker', { timeout: 120_000 }, async (t) => {
  const p = await startPlatform(t);
  await tailBehind(t, p, 'four', 4, 3);
});
