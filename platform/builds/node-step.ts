/**
 * The Node.js build step (an app with a package.json): the `node` and `npm` on the PATH
 * (checked first, with a clear error), a warning when package.json `engines.node` does not
 * match that node, and production dependencies: `npm ci --omit=dev` with a lockfile,
 * `npm install --omit=dev --no-package-lock` without one (so the slug holds the app's own files
 * plus node_modules, nothing npm invented). npm runs in the build dir with the app's config
 * vars in its environment, NODE_ENV=production unless the app sets it, and a per-app npm cache
 * in the work dir; its output is streamed, indented. Where bubblewrap works npm runs sandboxed
 * (build-sandbox.ts): it can write the build dir and its cache only; the network and the
 * user's npm config (~/.npmrc: registry, auth) are as they are outside.
 *
 * The install is skipped when the install stamp says nothing changed (install-stamp.ts), and
 * when there is nothing to install: no lockfile, no dependencies, no install scripts (npm
 * would only spend a second or two starting up to say "up to date"). Such a build runs no
 * program at all (see build.ts).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BuildError } from './build-error';
import type { BuildLog } from './build-log';
import type { BuildSandbox } from './build-sandbox';
import { satisfiesRange } from './engines';
import { findExecutable } from './find-executable';
import { clearInstallStamp, installInputs, isInstallCurrent, writeInstallStamp } from './install-stamp';
import { runStreamed } from './run-streamed';

export interface PackageJson {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  bundleDependencies?: unknown;
  bundledDependencies?: unknown;
  scripts?: Record<string, string>;
  engines?: { node?: string };
}

export interface NodeTools {
  node: string;
  npm: string;
}

/** Parses package.json text, or throws a BuildError that says where it is broken. */
export function parsePackageJson(text: string): PackageJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BuildError('package_json_invalid', `package.json is not valid JSON (${(err as Error).message}); fix it and deploy again`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BuildError('package_json_invalid', 'package.json must hold a JSON object; fix it and deploy again');
  }
  return value;
}

/** The `node` and `npm` the build, the release phase and the dynos will use. */
export function findNodeTools(env: NodeJS.ProcessEnv): NodeTools {
  const node = findExecutable('node', env.PATH);
  const npm = findExecutable('npm', env.PATH);
  if (!node || !npm) {
    const missing = [!node && 'node', !npm && 'npm'].filter(Boolean).join(' and ');
    throw new BuildError(
      'node_missing',
      `${missing} not found on the PATH (${env.PATH ?? 'unset'}): this is a Node.js app (it has a package.json); ` +
        'install Node.js (which brings npm), make sure the platform is started with it on its PATH, and deploy again',
    );
  }
  return { node, npm };
}

const run = promisify(execFile);

async function nodeVersion(node: string): Promise<string> {
  try {
    if (realpathSync(node) === realpathSync(process.execPath)) return process.version;
  } catch {
    // fall through and ask it
  }
  const { stdout } = await run(node, ['--version'], { timeout: 10_000 });
  return stdout.trim();
}

/** Warns when package.json engines.node does not admit the node on the PATH. */
export async function checkEngines(pkg: PackageJson, tools: NodeTools, log: BuildLog): Promise<void> {
  const range = pkg.engines?.node;
  if (typeof range !== 'string') return;
  let version: string;
  try {
    version = await nodeVersion(tools.node);
  } catch (err) {
    log.warn(`could not run ${tools.node} --version (${(err as Error).message}) to check engines.node "${range}"`);
    return;
  }
  const ok = satisfiesRange(version, range);
  if (ok === false) {
    log.warn(`package.json engines.node is "${range}" but the node on the PATH is ${version} (${tools.node}): the app may not run as intended`);
  } else if (ok === undefined) {
    log.warn(`package.json engines.node "${range}" could not be read as a version range; the node on the PATH is ${version}`);
  }
}

const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];
const LOCKFILES = ['npm-shrinkwrap.json', 'package-lock.json'];
const QUIET = ['--no-audit', '--no-fund', '--no-update-notifier'];

export interface InstallOptions {
  buildDir: string;
  workDir: string;
  tools: NodeTools;
  env: NodeJS.ProcessEnv;
  log: BuildLog;
  sandbox: BuildSandbox;
  signal?: AbortSignal;
}

/** Whether npm has anything to do: a lockfile, dependencies or an install script. */
export function needsInstall(pkg: PackageJson, hasFile: (name: string) => boolean): boolean {
  if (LOCKFILES.some(hasFile)) return true;
  if ([pkg.dependencies, pkg.optionalDependencies].some((d) => d && typeof d === 'object' && Object.keys(d).length > 0)) return true;
  return INSTALL_SCRIPTS.some((s) => typeof pkg.scripts?.[s] === 'string');
}

export function reportNothingToInstall(log: BuildLog): void {
  log.step('Installing dependencies');
  log.detail('package.json declares no dependencies: nothing to install');
}

/** Installs production dependencies (needsInstall is true); true when npm ran. */
export async function installDependencies(o: InstallOptions): Promise<boolean> {
  const { buildDir, log } = o;
  const lockfile = LOCKFILES.find((f) => existsSync(join(buildDir, f)));
  const args = lockfile ? ['ci', '--omit=dev', ...QUIET] : ['install', '--omit=dev', '--no-package-lock', ...QUIET];
  const stampPath = join(o.workDir, 'install-stamp.json');
  const inputs = installInputs({ buildDir, lockfile, node: o.tools.node, npm: o.tools.npm, args });
  if (isInstallCurrent(stampPath, inputs, buildDir)) {
    log.step('Installing dependencies');
    log.detail(`package.json${lockfile ? ` and ${lockfile}` : ''} unchanged since the last install: using the cached node_modules`);
    return false;
  }

  clearInstallStamp(stampPath);
  const cache = join(o.workDir, 'npm-cache');
  mkdirSync(cache, { recursive: true });
  // A sandbox has a HOME of its own: npm is told where the user's config is.
  const userconfig = o.env.npm_config_userconfig ?? o.env.NPM_CONFIG_USERCONFIG ?? join(o.env.HOME ?? homedir(), '.npmrc');
  const dirs = { build: buildDir, cache, readOnly: [userconfig] };
  // (says whether it is sandboxed, under "app detected", before the step)
  const cmd = o.sandbox.command(dirs, [o.tools.npm, ...args], {
    ...o.env,
    NODE_ENV: o.env.NODE_ENV ?? 'production',
    npm_config_cache: o.sandbox.paths(dirs).cache,
    npm_config_userconfig: userconfig,
  });
  log.step('Installing dependencies');
  log.detail(`npm ${args.slice(0, 2).join(' ')}`);
  const onLine = (l: string): void => {
    if (l.trim() !== '') log.detail(l);
  };
  const r = await runStreamed(cmd.file, cmd.args, { cwd: cmd.cwd, env: cmd.env, onLine, signal: o.signal });
  if (r.aborted) throw new BuildError('build_aborted', `the build was cancelled while npm ${args[0]} ran`);
  if (r.code !== 0) {
    const how = r.code === null ? `was killed by ${r.signal ?? 'a signal'}` : `exited with code ${r.code}`;
    throw new BuildError('npm_failed', `npm ${args[0]} ${how}; its output is above. Fix the dependencies (try npm ${args[0]} --omit=dev locally) and deploy again`);
  }
  writeInstallStamp(stampPath, inputs, buildDir);
  return true;
}
