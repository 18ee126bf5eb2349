/**
 * A throwaway world for one extension-host run: a temporary $SLIPWAY_HOME (free ports through
 * its settings.json, and a marker the suite checks before touching anything) and a workspace
 * folder whose `.vscode/settings.json` points `slipway.home` at it. Used by the code-server
 * harness and by the @vscode/test-electron runner alike.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The suite refuses to run against a home without this file (it would be someone's real ~/.slipway). */
export const TEST_HOME_MARKER = '.slipway-test-home';

export interface TestWorld {
  root: string;
  home: string;
  workspace: string;
}

export function makeTestHome(home: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, TEST_HOME_MARKER), 'created by the Slipway extension tests\n');
  writeFileSync(join(home, 'settings.json'), JSON.stringify({ apiPort: 0, routerPort: 0 }, null, 2) + '\n');
}

export function makeTestWorld(root = mkdtempSync(join(tmpdir(), 'slipway-ext-test-'))): TestWorld {
  const home = join(root, 'home');
  const workspace = join(root, 'workspace');
  makeTestHome(home);
  mkdirSync(join(workspace, '.vscode'), { recursive: true });
  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'slipway.home': home }, null, 2) + '\n');
  writeFileSync(join(workspace, 'README.txt'), 'The workspace of the Slipway extension test suite.\n');
  return { root, home, workspace };
}
