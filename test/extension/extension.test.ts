/**
 * The extension in a real VS Code, as part of `npm test`: runs the harness
 * (test/extension/harness/run.ts all: setup, package, the in-host mocha suite, the UI scenario)
 * and asserts that every mode passed. The harness's own output goes to
 * test-results/extension/harness.log, its summaries and screenshots next to it.
 *
 * The first run on a machine installs Chromium (apt) and code-server (npm, into
 * ~/.cache/slipway-test): a few minutes. SLIPWAY_SKIP_VSCODE_TESTS=1 skips this file (for a
 * machine where apt-get cannot run); CI does not set it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ModeSummary } from './harness/mode';

const REPO = join(__dirname, '..', '..');
const OUT = join(REPO, 'test-results', 'extension');

function runHarness(): Promise<{ code: number | null; summaries: ModeSummary[]; tail: string[] }> {
  mkdirSync(OUT, { recursive: true });
  const log = createWriteStream(join(OUT, 'harness.log'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'harness', 'run.ts'), 'all', '--out', OUT], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  const summaries: ModeSummary[] = [];
  const tail: string[] = [];
  let pending = '';
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    pending += chunk.toString();
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.startsWith('E2E-SUMMARY ')) summaries.push(JSON.parse(line.slice('E2E-SUMMARY '.length)) as ModeSummary);
      else tail.push(line);
      if (tail.length > 80) tail.shift();
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve) => child.once('close', (code) => log.end(() => resolve({ code, summaries, tail }))));
}

void test('the extension in a real VS Code (code-server + Chromium)', { skip: process.env.SLIPWAY_SKIP_VSCODE_TESTS === '1' ? 'SLIPWAY_SKIP_VSCODE_TESTS=1' : false, timeout: 25 * 60_000 }, async (t) => {
  const run = await runHarness();
  const byMode = new Map(run.summaries.map((s) => [s.mode, s]));
  const explain = (s: ModeSummary | undefined) => `${s?.error ?? 'no summary'}\n(see ${join(OUT, 'harness.log')})\n${run.tail.slice(-30).join('\n')}`;

  await t.test('package: the .vsix is at most 10 MB and its bundled platform starts', () => {
    const s = byMode.get('package');
    assert.ok(s?.ok, explain(s));
    t.diagnostic(`vsix ${String(s.vsixBytes)} bytes; packaged platform started in ${String((s.packagedPlatform as { startMs?: number } | undefined)?.startMs)} ms`);
  });

  await t.test('tests: the mocha suite passes inside the extension host', () => {
    const s = byMode.get('tests');
    assert.ok(s?.ok, explain(s));
    const suite = s.suite as { passed: string[]; facts: Record<string, unknown> };
    assert.ok(suite.passed.length >= 10, `only ${suite.passed.length} tests ran`);
    t.diagnostic(`${suite.passed.length} in-host tests passed; ${JSON.stringify(suite.facts)}`);
  });

  await t.test('ui: deploy from the palette and roll back from the tree, in the packaged extension', () => {
    const s = byMode.get('ui');
    assert.ok(s?.ok, explain(s));
    t.diagnostic(`activation ${String(s.activationMs)} ms; ${s.screenshots.length} screenshots in ${OUT}`);
  });

  assert.equal(run.code, 0, `the harness exited with ${run.code}`);
});
