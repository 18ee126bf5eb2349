/**
 * Mode `tests`: the mocha suite inside the extension host, exactly as @vscode/test-electron
 * runs it: the workbench is opened with the `payload` URL parameter naming the checkout as
 * extensionDevelopmentPath and the compiled suite as extensionTestsPath. The suite's result
 * comes back through `codeAutomationExit` and a JSON result file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SuiteResult } from '../suite/index';
import { makeTestWorld } from '../workspace';
import { buildSuite, REPO } from './build-suite';
import { codeServerEnv, makeRunDirs, startCodeServer, writeUserSettings } from './code-server';
import { stopLeftoverPlatform, type ModeOptions, type ModeSummary } from './mode';
import { launchWorkbench, openWorkbench } from './workbench';

export async function runTestsMode(opts: ModeOptions): Promise<ModeSummary> {
  const t0 = Date.now();
  const world = makeTestWorld(opts.runRoot);
  const dirs = makeRunDirs(join(world.root, 'vscode'));
  writeUserSettings(dirs);
  const suiteEntry = await buildSuite();
  const resultFile = join(world.root, 'suite-result.json');
  const env = codeServerEnv(dirs, { SLIPWAY_TEST_RESULT_FILE: resultFile, ...(opts.grep ? { SLIPWAY_SUITE_GREP: opts.grep } : {}) });
  const cs = await startCodeServer({ entry: opts.codeServer, dirs, folder: world.workspace, env, log: join(opts.out, 'tests-code-server.log') });
  const summary: ModeSummary = { mode: 'tests', ok: false, marks: {}, screenshots: [] };
  const wb = await launchWorkbench(dirs, { echoExtensionHost: true });
  try {
    const remote = (p: string) => `vscode-remote://${cs.authority}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(REPO)],
      ['extensionTestsPath', remote(suiteEntry)],
      ['skipWelcome', 'true'],
    ];
    await openWorkbench(wb.page, `${cs.base}?folder=${encodeURIComponent(world.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    summary.marks.workbenchVisibleMs = Date.now() - cs.spawnedAt;
    const timeoutMs = 240000;
    const code = await Promise.race([wb.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs).unref())]);
    summary.marks.suiteDoneMs = Date.now() - cs.spawnedAt;
    const shot = join(opts.out, 'tests-workbench.png');
    await wb.page.screenshot({ path: shot });
    summary.screenshots.push(shot);
    if (code === null) throw new Error(`the extension tests did not report an exit within ${timeoutMs / 1000} s`);
    const result = existsSync(resultFile) ? (JSON.parse(readFileSync(resultFile, 'utf8')) as SuiteResult) : null;
    summary.exitCode = code;
    summary.suite = result;
    summary.ok = code === 0 && result !== null && result.failed.length === 0 && result.passed.length > 0;
    if (result === null) summary.error = 'the suite wrote no result file';
  } finally {
    summary.console = wb.console.filter((l) => /Slipway|slipway|passing|failing|Error/.test(l)).slice(-60);
    await wb.close().catch(() => undefined);
    await cs.stop();
    summary.platformLeftRunning = await stopLeftoverPlatform(world.home);
    summary.totalMs = Date.now() - t0;
  }
  return summary;
}
