/**
 * The extension's end-to-end harness: a real VS Code (code-server 4.100.3, VS Code 1.100.3)
 * in Debian's Chromium, driven by playwright-core.
 *
 *   node --import tsx test/extension/harness/run.ts [setup|package|tests|ui|all] [--out DIR] [--grep RE] [--keep]
 *
 *   setup    Debian packages + code-server into the cache (~/.cache/slipway-test, or $SLIPWAY_TEST_CACHE)
 *   package  npm run package, the .vsix size budget, and the platform inside the .vsix starting on its own
 *   tests    the mocha suite (test/extension/suite) inside the extension host
 *   ui       the packaged .vsix in a fresh code-server: deploy from the palette, roll back from the tree
 *   all      setup, package, tests, ui (the default)
 *   logs-load  the log panel tailing the chatty fixture (10,000 lines/s) for 30 s (`--seconds N`):
 *            long tasks, frames, lines/s and CPU, measured and printed (not part of `all`)
 *
 * Expects `npm run build` to have run (npm test's pretest does). Screenshots, logs and one
 * summary JSON per mode go to test-results/extension/. Prints "extension e2e: N passed,
 * N failed" and exits 0 only when every mode passed.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './build-suite';
import type { ModeSummary } from './mode';
import { runTestsMode } from './mode-tests';
import { runLogsLoadMode } from './mode-logs-load';
import { runUiMode } from './mode-ui';
import { ensureCodeServer, ensureDebianPackages } from './setup';
import { checkPackagedPlatform, packageVsix, VSIX_BUDGET_BYTES } from './vsix';

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const mode = argv.find((a) => !a.startsWith('--') && argv[argv.indexOf(a) - 1]?.startsWith('--') !== true) ?? 'all';
const out = flag('out') ?? join(REPO, 'test-results', 'extension');
const keep = argv.includes('--keep');

function report(summary: ModeSummary): void {
  writeFileSync(join(out, `summary-${summary.mode}.json`), JSON.stringify(summary, null, 2) + '\n');
  console.log(`E2E-SUMMARY ${JSON.stringify(summary)}`);
  console.log(`[e2e] ${summary.mode}: ${summary.ok ? 'passed' : `FAILED${summary.error ? `: ${summary.error}` : ''}`} (${((summary.totalMs ?? 0) / 1000).toFixed(1)} s)`);
}

async function timedMode(name: string, fn: () => Promise<ModeSummary> | ModeSummary): Promise<ModeSummary> {
  const t0 = Date.now();
  try {
    const s = await fn();
    s.totalMs ??= Date.now() - t0;
    return s;
  } catch (err) {
    return { mode: name, ok: false, error: (err as Error).stack ?? String(err), marks: {}, screenshots: [], totalMs: Date.now() - t0 };
  }
}

async function main(): Promise<number> {
  const known = ['setup', 'package', 'tests', 'ui', 'all', 'logs-load'];
  if (!known.includes(mode)) {
    console.error(`usage: run.ts [${known.join('|')}] [--out DIR] [--grep RE] [--keep]`);
    return 64;
  }
  mkdirSync(out, { recursive: true });
  if (!existsSync(join(REPO, 'dist', 'extension.js')) || !existsSync(join(REPO, 'dist', 'platform.js'))) {
    console.error('dist/extension.js or dist/platform.js is missing: run `npm run build` first');
    return 1;
  }
  const results: ModeSummary[] = [];
  const t0 = Date.now();
  const setup = () => {
    ensureDebianPackages();
    return ensureCodeServer();
  };
  if (mode === 'setup') {
    results.push(await timedMode('setup', () => ({ mode: 'setup', ok: true, marks: {}, screenshots: [], codeServer: setup().entry })));
  }
  let vsix: string | undefined;
  if (mode === 'package' || mode === 'ui' || mode === 'all') {
    results.push(
      await timedMode('package', async () => {
        const pkg = packageVsix(REPO, out);
        vsix = pkg.file;
        const platform = await checkPackagedPlatform(pkg.file);
        const ok = pkg.bytes <= VSIX_BUDGET_BYTES;
        return {
          mode: 'package',
          ok,
          ...(ok ? {} : { error: `the .vsix is ${pkg.bytes} bytes, over the budget of ${VSIX_BUDGET_BYTES}` }),
          vsix: pkg.file,
          vsixBytes: pkg.bytes,
          vsixMiB: Number((pkg.bytes / 1024 / 1024).toFixed(2)),
          packageMs: pkg.ms,
          packagedPlatform: platform,
          marks: {},
          screenshots: [],
        };
      }),
    );
  }
  const packaged = results.find((r) => r.mode === 'package');
  for (const m of mode === 'all' ? ['tests', 'ui'] : mode === 'tests' || mode === 'ui' || mode === 'logs-load' ? [mode] : []) {
    const runRoot = mkdtempSync(join(tmpdir(), `slipway-e2e-${m}-`));
    results.push(
      await timedMode(m, () => {
        if (m === 'ui' && packaged && !packaged.ok) throw new Error('packaging failed, so there is no .vsix to install');
        const codeServer = setup().entry;
        const opts = { codeServer, out, runRoot, vsix, grep: flag('grep') };
        if (m === 'logs-load') return runLogsLoadMode({ ...opts, seconds: flag('seconds') ? Number(flag('seconds')) : undefined });
        return m === 'tests' ? runTestsMode(opts) : runUiMode(opts);
      }),
    );
    if (!keep) rmSync(runRoot, { recursive: true, force: true });
    else console.log(`[e2e] kept ${runRoot}`);
  }
  for (const r of results) report(r);
  const passed = results.filter((r) => r.ok).length;
  console.log(`[e2e] total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`extension e2e: ${passed} passed, ${results.length - passed} failed`);
  return passed === results.length ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
