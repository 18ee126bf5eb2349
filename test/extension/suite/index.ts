/**
 * The extension-host test entry, the contract of @vscode/test-electron's `extensionTestsPath`:
 * `run()` runs mocha over the `*.suite.js` files next to it (compiled from
 * test/extension/suite/*.suite.ts by build-suite.ts) and rejects when a test fails. It also
 * writes a JSON result file ($SLIPWAY_TEST_RESULT_FILE) that the harness reads.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Mocha from 'mocha';
import { facts } from './facts';

export interface SuiteResult {
  passed: string[];
  failed: { title: string; error: string }[];
  /** Facts the suite measured (activation time, …), for the harness to report. */
  facts: Record<string, unknown>;
  startedAt: string;
  finishedAt?: string;
  vscodeVersion?: string;
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60000, reporter: 'spec' });
  const grep = process.env.SLIPWAY_SUITE_GREP;
  if (grep) mocha.grep(grep);
  for (const f of readdirSync(__dirname).filter((n) => n.endsWith('.suite.js')).sort()) mocha.addFile(join(__dirname, f));
  const result: SuiteResult = { passed: [], failed: [], facts: facts(), startedAt: new Date().toISOString() };
  return new Promise<void>((resolve, reject) => {
    const runner = mocha.run((failures) => {
      result.finishedAt = new Date().toISOString();
      const file = process.env.SLIPWAY_TEST_RESULT_FILE;
      if (file) {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify(result, null, 2));
      }
      console.log(`SLIPWAY-SUITE ${result.passed.length} passed, ${result.failed.length} failed`);
      if (failures > 0) reject(new Error(`${failures} extension test(s) failed`));
      else resolve();
    });
    runner.on('pass', (t) => result.passed.push(t.fullTitle()));
    runner.on('fail', (t, err: Error) => result.failed.push({ title: t.fullTitle(), error: String(err?.stack ?? err) }));
  });
}
