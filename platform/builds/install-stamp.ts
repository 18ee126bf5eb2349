/**
 * The per-app dependency cache: node_modules stays in the build dir between builds, and a
 * stamp in the work dir records what the last successful install was made from (package.json,
 * the lockfile, the node and npm binaries, the npm command). Same inputs and node_modules
 * still as the install left it: the install is skipped. The stamp is removed before an
 * install starts, so a failed or interrupted install is never trusted.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Stamp {
  inputs: string;
  /** whether the install left a node_modules directory (an app with no dependencies gets none) */
  nodeModules: boolean;
}

export interface InstallInputs {
  buildDir: string;
  lockfile: string | undefined;
  node: string;
  npm: string;
  args: readonly string[];
}

export function installInputs(i: InstallInputs): string {
  const h = createHash('sha256');
  const file = (p: string): void => {
    h.update(`\n${p}\n`);
    h.update(readFileSync(join(i.buildDir, p)));
  };
  file('package.json');
  if (i.lockfile) file(i.lockfile);
  for (const bin of [i.node, i.npm]) {
    const st = statSync(bin);
    h.update(`\n${bin} ${st.size} ${st.mtimeMs}`);
  }
  h.update(`\n${i.args.join(' ')}`);
  return h.digest('hex');
}

export function isInstallCurrent(stampPath: string, inputs: string, buildDir: string): boolean {
  let stamp: Stamp;
  try {
    stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as Stamp;
  } catch {
    return false;
  }
  return stamp.inputs === inputs && stamp.nodeModules === existsSync(join(buildDir, 'node_modules'));
}

export function clearInstallStamp(stampPath: string): void {
  rmSync(stampPath, { force: true });
}

export function writeInstallStamp(stampPath: string, inputs: string, buildDir: string): void {
  const stamp: Stamp = { inputs, nodeModules: existsSync(join(buildDir, 'node_modules')) };
  writeFileSync(`${stampPath}.tmp`, JSON.stringify(stamp));
  renameSync(`${stampPath}.tmp`, stampPath);
}
