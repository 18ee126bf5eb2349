/** The per-app log store (platform/logs/): real files in temp dirs, real processes. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { formatLogLine, LineSplitter, LogStore, type LogLine, type LogSink, type LogStoreOptions } from '../../platform/logs';
import { isoTime } from '../../platform/logs/timestamp';
import { ROOT, tempDir } from '../helpers/tmp';

const T0 = Date.parse('2026-11-22T02:46:07.123Z');

function makeStore(t: TestContext, opts: Partial<LogStoreOptions> = {}, root = tempDir(t, 'slipway-logs-')) {
  const dirOf = (app: string) => join(root, 'apps', app, 'logs');
  const errors: unknown[] = [];
  const store = new LogStore({ dir: dirOf, historyLines: 1000, onError: (e) => errors.push(e), ...opts });
  t.after(() => store.close());
  return { store, root, dirOf, errors };
}

const messages = (lines: LogLine[]) => lines.map((l) => l.message);
const range = (from: number, to: number, prefix = 'line ') => Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

/** Lines in an app's files, each checked to be one valid JSON object. */
function linesOnDisk(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const f of readdirSync(dir)) {
    for (const text of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (text === '') continue;
      assert.equal(typeof JSON.parse(text), 'object');
      n++;
    }
  }
  return n;
}

/** A sink that takes `credit` writes before it reports full, and can be told to drain. */
class TestSink implements LogSink {
  readonly lines: LogLine[] = [];
  credit = Infinity;
  private drainCb: (() => void) | null = null;
  private waiters: { ready: () => boolean; resolve: () => void }[] = [];

  write(line: LogLine): boolean {
    this.lines.push(line);
    this.credit--;
    this.wake();
    return this.credit > 0;
  }
  onDrain(cb: () => void): void {
    this.drainCb = cb;
    this.wake();
  }
  drain(credit = Infinity): void {
    this.credit = credit;
    const cb = this.drainCb;
    this.drainCb = null;
    cb?.();
  }
  get stalled(): boolean {
    return this.drainCb !== null;
  }
  until(ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ ready, resolve }));
  }
  private wake(): void {
    this.waiters = this.waiters.filter((w) => (w.ready() ? (w.resolve(), false) : true));
  }
}

const l10 = (n: number) => `Error L10 (output buffer overflow): ${n} messages dropped`;

void test('formatLogLine prints the PLATFORM.md text form', () => {
  const time = '2026-11-22T02:46:07.123Z';
  assert.equal(formatLogLine({ time, source: 'app', dyno: 'web.1', message: 'hi' }), '2026-11-22T02:46:07.123000+00:00 app[web.1]: hi');
  assert.equal(formatLogLine({ time, source: 'app', dyno: 'web.1', message: 'hi', micros: 456 }), '2026-11-22T02:46:07.123456+00:00 app[web.1]: hi');
  assert.equal(formatLogLine({ time, source: 'slipway', dyno: 'router', message: 'at=info' }), '2026-11-22T02:46:07.123000+00:00 slipway[router]: at=info');
  assert.equal(formatLogLine({ time, source: 'api', dyno: 'api', message: 'Release v3 created' }), '2026-11-22T02:46:07.123000+00:00 app[api]: Release v3 created');
});

void test('isoTime is Date#toISOString, cached by the second', () => {
  for (const ms of [0, 7, 999, 1000, T0, T0 + 1, T0 + 877, T0 + 1000, -1, -1500, 253402300799999, 253402300800000]) {
    assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
  }
});

void test('LineSplitter: \\n and \\r\\n, partial chunks, multi-byte characters cut across chunks', () => {
  const out: string[] = [];
  const s = new LineSplitter((l) => out.push(l));
  const text = 'héllo €uro 𝄞 clef\r\nsecond\n\nthird 日本語\r\nlast without newline\r';
  for (const byte of Buffer.from(text, 'utf8')) s.push(Buffer.from([byte])); // every boundary, inside characters too
  assert.deepEqual(out, ['héllo €uro 𝄞 clef', 'second', '', 'third 日本語']);
  s.end();
  assert.deepEqual(out, ['héllo €uro 𝄞 clef', 'second', '', 'third 日本語', 'last without newline']);

  const lone: string[] = [];
  const s2 = new LineSplitter((l) => lone.push(l));
  s2.push(Buffer.from('a\rb\n')); // a lone \r is content
  s2.end();
  s2.end();
  assert.deepEqual(lone, ['a\rb']);
});

void test('LineSplitter: lines longer than 10,000 bytes become several, never splitting a character', () => {
  const out: string[] = [];
  const s = new LineSplitter((l) => out.push(l));
  s.push(Buffer.from('x'.repeat(25_000)));
  assert.equal(out.length, 2, 'a long unfinished line is emitted as it comes, not held');
  s.push(Buffer.from('\r'));
  s.push(Buffer.from('\nnext\n'));
  assert.deepEqual(out.map((l) => l.length), [10_000, 10_000, 5_000, 4]);

  const euro = '€'.repeat(9_000); // 27,000 bytes
  const pieces: string[] = [];
  const s2 = new LineSplitter((l) => pieces.push(l));
  const bytes = Buffer.from(euro + '\n', 'utf8');
  for (let i = 0; i < bytes.length; i += 7) s2.push(bytes.subarray(i, i + 7));
  assert.equal(pieces.length, 3);
  for (const p of pieces) {
    assert.ok(Buffer.byteLength(p) <= 10_000);
    assert.ok(!p.includes('\uFFFD'));
  }
  assert.equal(pieces.join(''), euro);

  const exact: string[] = [];
  const s3 = new LineSplitter((l) => exact.push(l));
  s3.push(Buffer.from('y'.repeat(10_000) + '\r')); // exactly the limit, its \r\n cut between chunks
  s3.push(Buffer.from('\n'));
  assert.deepEqual(exact.map((l) => l.length), [10_000]);
});

void test('append splits long messages (UTF-8 safe) and newlines, strips a trailing \\r', async (t) => {
  const { store } = makeStore(t);
  store.append('a', 'app', 'web.1', 'z'.repeat(25_000));
  store.append('a', 'app', 'web.1', 'crlf\r');
  store.append('a', 'app', 'web.1', 'one\r\ntwo\n');
  store.append('a', 'app', 'web.1', '𝄞'.repeat(6_000)); // 24,000 bytes of 4-byte characters
  const lines = await store.read('a', { n: 100 });
  assert.deepEqual(lines.slice(0, 3).map((l) => l.message.length), [10_000, 10_000, 5_000]);
  assert.deepEqual(messages(lines.slice(3, 6)), ['crlf', 'one', 'two']);
  const clefs = lines.slice(6);
  assert.equal(clefs.length, 3);
  for (const l of clefs) assert.ok(Buffer.byteLength(l.message) <= 10_000 && !l.message.includes('\uFFFD'));
  assert.equal(messages(clefs).join(''), '𝄞'.repeat(6_000));
});

void test('read: last n, and filters by dyno, source and time (inclusive), alone and combined; from memory and from disk', async (t) => {
  let clock = T0;
  const { store, root } = makeStore(t, { now: () => clock });
  const at = (s: number) => new Date(T0 + s * 1000);
  const add = (s: number, source: 'app' | 'slipway' | 'api', dyno: string, message: string) => {
    clock = T0 + s * 1000;
    store.append('demo', source, dyno, message);
  };
  add(0, 'api', 'api', 'Release v1 created');
  add(1, 'app', 'web.1', 'w1 a');
  add(1, 'app', 'web.2', 'w2 a');
  add(2, 'slipway', 'router', 'at=info status=200');
  add(2, 'app', 'webhook.1', 'hook');
  add(3, 'app', 'worker.1', 'work');
  add(3, 'slipway', 'web.1', 'State changed from starting to up');
  add(4, 'app', 'web.1', 'w1 b');
  add(5, 'app', 'run.1234', 'one-off');
  store.append('other', 'app', 'web.1', 'another app');

  const check = async (s: LogStore) => {
    const all = await s.read('demo', {});
    assert.equal(all.length, 9);
    assert.deepEqual(all[0], { time: '2026-11-22T02:46:07.123Z', source: 'api', dyno: 'api', message: 'Release v1 created' });
    assert.deepEqual(messages(await s.read('demo', { n: 2 })), ['w1 b', 'one-off']);
    assert.deepEqual(messages(await s.read('demo', { dyno: 'web' })), ['w1 a', 'w2 a', 'State changed from starting to up', 'w1 b']);
    assert.deepEqual(messages(await s.read('demo', { dyno: 'web.1' })), ['w1 a', 'State changed from starting to up', 'w1 b']);
    assert.deepEqual(messages(await s.read('demo', { dyno: 'router' })), ['at=info status=200']);
    assert.deepEqual(messages(await s.read('demo', { source: 'slipway' })), ['at=info status=200', 'State changed from starting to up']);
    assert.deepEqual(messages(await s.read('demo', { source: 'api' })), ['Release v1 created']);
    assert.deepEqual(messages(await s.read('demo', { since: at(3) })), ['work', 'State changed from starting to up', 'w1 b', 'one-off']);
    assert.deepEqual(messages(await s.read('demo', { until: at(1) })), ['Release v1 created', 'w1 a', 'w2 a']);
    assert.deepEqual(messages(await s.read('demo', { since: at(2), until: at(3) })), ['at=info status=200', 'hook', 'work', 'State changed from starting to up']);
    assert.deepEqual(messages(await s.read('demo', { dyno: 'web', source: 'app', since: at(1), until: at(4), n: 2 })), ['w2 a', 'w1 b']);
    assert.deepEqual(await s.read('demo', { since: at(6) }), []);
    assert.deepEqual(await s.read('nothing-here', {}), []);
    assert.deepEqual(messages(await s.read('other', {})), ['another app']);
  };
  await check(store); // nothing written yet: from memory
  await store.flush();
  assert.equal(linesOnDisk(join(root, 'apps', 'demo', 'logs')), 9);
  await check(store); // from disk
  await store.close();
  const again = makeStore(t, {}, root).store; // a restart
  await check(again);
  await assert.rejects(again.read('demo', { n: -1 }), RangeError);
});

void test('history is bounded: 3 × historyLines appended, the newest historyLines read, at most 1.5× on disk', async (t) => {
  const { store, root, dirOf } = makeStore(t, { historyLines: 10 });
  for (let i = 1; i <= 30; i++) {
    store.append('a', 'app', 'web.1', `line ${i}`);
    if (i % 7 === 0) await store.flush(); // several writes, across segments
  }
  assert.deepEqual(messages(await store.read('a', { n: 1000 })), range(21, 30));
  await store.flush();
  const onDisk = linesOnDisk(dirOf('a'));
  assert.ok(onDisk >= 10 && onDisk <= 15, `${onDisk} lines on disk`);
  assert.deepEqual(messages(await store.read('a', { n: 1000 })), range(21, 30));
  assert.deepEqual(messages(await store.read('a', { n: 3 })), range(28, 30));
  await store.close();
  assert.deepEqual(messages(await makeStore(t, { historyLines: 10 }, root).store.read('a', { n: 1000 })), range(21, 30));

  const big = makeStore(t, { historyLines: 1000 });
  for (let i = 1; i <= 3000; i++) big.store.append('b', 'app', 'web.1', `line ${i}`);
  await big.store.flush();
  const bigOnDisk = linesOnDisk(big.dirOf('b'));
  assert.ok(bigOnDisk >= 1000 && bigOnDisk <= 1500, `${bigOnDisk} lines on disk`);
  assert.deepEqual(messages(await big.store.read('b', { n: 5000 })), range(2001, 3000));
});

void test('reads are consistent while writes and rotations run: no line missed or repeated', async (t) => {
  const { store } = makeStore(t, { historyLines: 600, flushIntervalMs: 1 });
  let total = 0;
  for (let round = 0; round < 30; round++) {
    for (let i = 0; i < 170; i++) store.append('a', 'app', 'web.1', `line ${++total}`);
    // Start the read at a different point of the write each round: before it, with a batch
    // in flight, after it.
    const flushing = store.flush();
    for (let hop = 0; hop < round % 8; hop++) await Promise.resolve();
    if (round % 3 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const got = messages(await store.read('a', { n: 600 }));
    await flushing;
    assert.deepEqual(got, range(Math.max(1, total - 599), total), `round ${round}`);
  }
});

void test('restart: a new store reads the old lines; a torn last line is skipped and cut off', async (t) => {
  const first = makeStore(t);
  for (let i = 1; i <= 5; i++) first.store.append('a', 'app', 'web.1', `line ${i}`);
  await first.store.close();
  first.store.append('a', 'app', 'web.1', 'after close: ignored');
  const dir = first.dirOf('a');
  const [segment] = readdirSync(dir);
  appendFileSync(join(dir, segment), '{"time":"2026-11-22T02:4'); // a crash in the middle of a write

  const second = makeStore(t, {}, first.root);
  assert.deepEqual(messages(await second.store.read('a', {})), range(1, 5));
  second.store.append('a', 'app', 'web.1', 'line 6');
  await second.store.flush();
  assert.equal(linesOnDisk(dir), 6, 'every line on disk parses: the torn one was cut off');
  await second.store.close();
  assert.deepEqual(messages(await makeStore(t, {}, first.root).store.read('a', {})), range(1, 6));
  assert.deepEqual(first.errors, []);
});

void test('a kill -9 loses no line that was flushed, and leaves nothing unreadable', async (t) => {
  const { root } = makeStore(t);
  const dir = join(root, 'crash');
  const code = `
    const { LogStore } = require(${JSON.stringify(join(ROOT, 'platform', 'logs', 'store.ts'))});
    const store = new LogStore({ dir: () => ${JSON.stringify(dir)}, historyLines: 1000000 });
    let i = 0;
    const burst = () => { for (let k = 0; k < 200; k++) store.append('a', 'app', 'web.1', 'line ' + ++i); };
    for (let k = 0; k < 10; k++) burst();
    void store.flush().then(() => { process.stdout.write('flushed ' + i + '\\n'); setInterval(burst, 1); });
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  const flushed = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /flushed (\d+)\n/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (c) => reject(new Error(`child exited ${c}`)));
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  const { store } = makeStore(t, { historyLines: 1_000_000, dir: () => dir });
  const got = messages(await store.read('a', { n: 1_000_000 }));
  assert.ok(got.length >= flushed, `${got.length} lines survived, ${flushed} were flushed`);
  assert.deepEqual(got, range(1, got.length));
});

void test('follow: live lines only, in order, filtered; stops when unsubscribed', async (t) => {
  const { store } = makeStore(t);
  store.append('a', 'app', 'web.1', 'before');
  const sink = new TestSink();
  const stop = store.follow('a', { dyno: 'web' }, sink);
  let n = 0;
  for (let burst = 0; burst < 5; burst++) {
    for (let i = 0; i < 1000; i++) {
      store.append('a', 'app', 'web.1', `line ${++n}`);
      store.append('a', 'app', 'worker.1', 'not for this reader');
    }
    await sink.until(() => sink.lines.length === n);
  }
  assert.deepEqual(messages(sink.lines), range(1, 5000));
  stop();
  assert.deepEqual(store.followerStats('a'), []);
  store.append('a', 'app', 'web.1', 'after stop');
  await store.flush();
  await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(sink.lines.length, 5000);
});

void test('a slow follower gets one L10 marker per gap with the exact count, in place, then later lines', async (t) => {
  const { store } = makeStore(t, { followerQueueLines: 10 });
  const sink = new TestSink();
  sink.credit = 1; // full after the first line
  store.follow('a', {}, sink);
  const add = (from: number, to: number) => {
    for (let i = from; i <= to; i++) store.append('a', 'app', 'web.1', `line ${i}`);
  };

  add(1, 30); // 1..10 queued, 11..30 dropped
  await sink.until(() => sink.stalled);
  assert.deepEqual(store.followerStats('a'), [{ queued: 9, dropped: 20, cap: 10 }]);
  sink.drain(3); // takes 2, 3, 4 and is full again: room in the queue
  await sink.until(() => sink.stalled);
  add(31, 32); // the gap's marker goes in the queue before 31
  sink.drain();
  await sink.until(() => sink.lines.length === 13);
  assert.deepEqual(messages(sink.lines), [...range(1, 10), l10(20), 'line 31', 'line 32']);
  const marker = sink.lines[10];
  assert.equal(marker.source, 'slipway');
  assert.equal(marker.dyno, 'logplex');

  sink.credit = 1;
  add(33, 60); // 33..42 queued, 43..60 dropped
  await sink.until(() => sink.stalled);
  sink.drain(); // catches up: the marker comes once the queue is empty
  await sink.until(() => sink.lines.length === 24);
  add(61, 61);
  await sink.until(() => sink.lines.length === 25);
  assert.deepEqual(messages(sink.lines.slice(13)), [...range(33, 42), l10(18), 'line 61']);
  assert.deepEqual(store.followerStats('a'), [{ queued: 0, dropped: 0, cap: 10 }]);
  assert.deepEqual(messages(await store.read('a', { n: 1000 })), range(1, 61), 'the history itself lost nothing');
});

void test('a stuck follower keeps a bounded queue and does not slow append()', async (t) => {
  const { store } = makeStore(t, { historyLines: 100_000 });
  const stuck = new TestSink();
  stuck.credit = 1; // never drains
  store.follow('a', {}, stuck);
  const healthy = new TestSink();
  store.follow('a', { dyno: 'web.2' }, healthy);
  const started = process.hrtime.bigint();
  for (let i = 1; i <= 50_000; i++) store.append('a', 'app', i % 100 === 0 ? 'web.2' : 'web.1', `line ${i}`);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.ok(ms < 5000, `50,000 appends took ${ms} ms`);
  await stuck.until(() => stuck.stalled);
  await healthy.until(() => healthy.lines.length === 500);
  const [s] = store.followerStats('a').filter((f) => f.dropped > 0);
  assert.ok(s.queued <= s.cap, `queue ${s.queued} > cap ${s.cap}`);
  assert.deepEqual(s, { queued: 9_999, dropped: 40_000, cap: 10_000 });
  assert.equal(stuck.lines.length, 1);
  await store.flush();
  assert.equal((await store.read('a', { n: 100_000 })).length, 50_000);
});

void test('remove deletes the history and ends followers; the name can be used again', async (t) => {
  const { store, dirOf } = makeStore(t);
  const sink = new TestSink();
  store.follow('a', {}, sink);
  store.append('a', 'app', 'web.1', 'old');
  store.append('b', 'app', 'web.1', 'other app');
  await store.flush();
  assert.ok(existsSync(dirOf('a')));
  store.append('a', 'app', 'web.1', 'unwritten');
  await store.remove('a');
  assert.ok(!existsSync(dirOf('a')));
  assert.deepEqual(await store.read('a', {}), []);
  assert.deepEqual(store.followerStats('a'), []);
  store.append('a', 'app', 'web.1', 'new');
  await store.flush();
  assert.deepEqual(messages(await store.read('a', {})), ['new']);
  assert.deepEqual(messages(await store.read('b', {})), ['other app']);
  await store.remove('never-existed');
});
