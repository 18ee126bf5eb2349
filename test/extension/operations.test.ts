/**
 * The parts of the extension's operations that need no VS Code, under node:test: the scale
 * input's parser, the crash countdown's text and timer, and the status bar's incremental slug
 * size estimate (exactly predictSlugSize's figure; a change recompresses only its chunk).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Dyno } from '../../platform/api/schemas';
import { predictSlugSize, SlugEstimator } from '../../platform/shared/slug-estimate';
import { formationSpec, parseScaleSpec, scaleText } from '../../extension/actions/scale-spec';
import { CrashCountdown, crashedText, formatCountdown } from '../../extension/views/crash-countdown';

void test('parseScaleSpec reads the ps:scale vocabulary, several changes at once', () => {
  assert.deepEqual(parseScaleSpec('web=2 worker+1'), {
    changes: [
      { type: 'web', op: '=', count: 2 },
      { type: 'worker', op: '+', count: 1 },
    ],
  });
  assert.deepEqual(parseScaleSpec(' web-1,  clock=0 '), {
    changes: [
      { type: 'web', op: '-', count: 1 },
      { type: 'clock', op: '=', count: 0 },
    ],
  });
  // a type with dashes: the last operator wins
  assert.deepEqual(parseScaleSpec('queue-worker-2'), { changes: [{ type: 'queue-worker', op: '-', count: 2 }] });
  // a bare count applies to the type the row names
  assert.deepEqual(parseScaleSpec('3', 'web'), { changes: [{ type: 'web', op: '=', count: 3 }] });
  assert.deepEqual(parseScaleSpec('+1', 'worker'), { changes: [{ type: 'worker', op: '+', count: 1 }] });
  assert.match((parseScaleSpec('web') as { problem: string }).problem, /"web" is not a scale change/);
  assert.match((parseScaleSpec('') as { problem: string }).problem, /TYPE=N/);
  assert.match((parseScaleSpec('web=101') as { problem: string }).problem, /at most 100/);
  assert.equal(scaleText([{ type: 'web', op: '+', count: 1 }]), 'web+1');
  assert.equal(formationSpec({ web: 1, worker: 0 }), 'web=1 worker=0');
});

void test('the countdown text of a crashed dyno', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(crashedText(null, now), 'crashed');
  assert.equal(crashedText('2026-01-01T00:00:08Z', now), 'crashed · restart in 8s');
  assert.equal(crashedText('2026-01-01T00:00:07.2Z', now), 'crashed · restart in 8s', 'rounds up: never "0s" while time is left');
  assert.equal(crashedText('2026-01-01T00:02:05Z', now), 'crashed · restart in 2m 05s');
  assert.equal(crashedText('2026-01-01T00:00:00Z', now), 'crashed · restarting…');
  assert.equal(formatCountdown(3600_000 + 120_000), '1h 02m');
});

void test('one countdown timer: runs while visible with a crashed dyno counting down, stops otherwise', (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'Date'], now: Date.parse('2026-01-01T00:00:00Z') });
  const redrawn: string[][] = [];
  const c = new CrashCountdown((nodes) => redrawn.push(nodes.map((n) => n.dyno.name)), () => Date.now());
  const dyno = (name: string, state: Dyno['state'], nextRestartAt: string | null) => ({ kind: 'dyno' as const, app: 'a', dyno: { name, state, nextRestartAt } as Dyno });
  c.track('a', [dyno('web.1', 'up', null)]);
  assert.equal(c.running, false, 'nothing crashed: no timer');
  c.track('a', [dyno('web.1', 'crashed', '2026-01-01T00:00:03Z'), dyno('web.2', 'up', null)]);
  assert.equal(c.running, true);
  t.mock.timers.tick(1000);
  assert.deepEqual(redrawn, [['web.1']], 'only the crashed row is redrawn');
  c.setVisible(false);
  assert.equal(c.running, false, 'hidden: no timer');
  t.mock.timers.tick(5000);
  assert.equal(redrawn.length, 1);
  c.setVisible(true);
  assert.equal(c.running, false, 'the restart time has passed: nothing counts down any more');
  c.track('a', [dyno('web.1', 'crashed', '2026-01-01T00:00:20Z')]);
  assert.equal(c.running, true);
  c.forget('a');
  assert.equal(c.running, false, 'collapsed: no timer');
  c.dispose();
});

void test('the status bar estimate is predictSlugSize\'s figure, and a change recompresses only its chunk', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-estimate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'Procfile'), 'web: node index.js\n');
  writeFileSync(join(dir, '.slugignore'), '*.psd\n');
  writeFileSync(join(dir, 'design.psd'), randomBytes(200_000));
  for (let i = 0; i < 600; i++) {
    mkdirSync(join(dir, 'lib', `m${i % 20}`), { recursive: true });
    writeFileSync(join(dir, 'lib', `m${i % 20}`, `f${i}.js`), `module.exports = ${i};\n`.repeat(50 + (i % 7)));
  }
  writeFileSync(join(dir, 'asset.bin'), randomBytes(1_500_000));
  const estimator = new SlugEstimator(dir);
  const first = await estimator.estimate();
  assert.equal(first.bytes, (await predictSlugSize(dir)).bytes);
  assert.equal(first.compressed, first.chunks, 'the first run compresses every chunk');
  assert.ok(!first.top.some((c) => c.path === 'design.psd'), '.slugignore applies');
  const again = await estimator.estimate();
  assert.equal(again.compressed, 0);
  assert.equal(again.bytes, first.bytes);
  appendFileSync(join(dir, 'lib', 'm3', 'f3.js'), randomBytes(4096).toString('base64'));
  const changed = await estimator.estimate();
  assert.equal(changed.bytes, (await predictSlugSize(dir)).bytes);
  assert.ok(changed.bytes > first.bytes);
  assert.equal(changed.compressed, 1, `${changed.compressed} of ${changed.chunks} chunks compressed again`);
  // kept across sessions: a new estimator with the known sizes compresses nothing
  const reopened = await new SlugEstimator(dir, estimator.known()).estimate();
  assert.equal(reopened.compressed, 0);
  assert.equal(reopened.bytes, changed.bytes);
  // cancelled: rejects with the abort, leaves the known sizes as they were
  const abort = new AbortController();
  abort.abort();
  await assert.rejects(estimator.estimate(abort.signal));
});
