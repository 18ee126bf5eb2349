/**
 * The desktop path: the same in-host mocha suite, run by @vscode/test-electron in a desktop
 * VS Code that it downloads (so it needs the internet, and a display or xvfb on Linux). The
 * machines this project is developed and tested on cannot download VS Code, so `npm test` runs
 * the suite in code-server instead (test/extension/harness); this runner is for a developer's
 * desktop:
 *
 *   npm run build && node --import tsx test/extension/run-electron.ts [VSCODE_VERSION]
 *
 * VSCODE_VERSION defaults to "stable"; "1.90.0" tests the oldest VS Code that engines allows.
 */
import { rmSync } from 'node:fs';
import { runTests } from '@vscode/test-electron';
import { buildSuite, REPO } from './harness/build-suite';
import { makeTestWorld } from './workspace';

async function main(): Promise<void> {
  const extensionTestsPath = await buildSuite();
  const world = makeTestWorld();
  try {
    await runTests({
      version: process.argv[2] ?? 'stable',
      extensionDevelopmentPath: REPO,
      extensionTestsPath,
      launchArgs: [world.workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
      extensionTestsEnv: { SLIPWAY_TEST_RESULT_FILE: `${world.root}/suite-result.json` },
    });
  } finally {
    rmSync(world.root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
