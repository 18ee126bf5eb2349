/**
 * Installs what a real VS Code needs on these machines, offline-safe: Debian packages
 * (chromium, ripgrep, and the headers to rebuild native addons), and code-server 4.100.3
 * (VS Code 1.100.3, the last whose engines.node is 20) from the npm registry with its install
 * scripts off, then its postinstall redone by hand without the GitHub downloads.
 *
 * The install goes to a cache outside the checkout (default ~/.cache/slipway-test/code-server)
 * and is reused while its `.ready` stamp names the same version.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, homedir } from 'node:os';
import { join } from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';
const DEBIAN_PACKAGES = ['chromium', 'ripgrep', 'libkrb5-dev', 'build-essential', 'python3'];
const NATIVE_ADDONS = ['node-pty', '@vscode/spdlog', 'native-watchdog', 'kerberos'];

export function cacheRoot(): string {
  return process.env.SLIPWAY_TEST_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'slipway-test');
}

export interface CodeServerInstall {
  dir: string;
  /** node entry of code-server: `node ENTRY [args]` */
  entry: string;
}

export function codeServerInstall(root = cacheRoot()): CodeServerInstall {
  const dir = join(root, 'code-server');
  return { dir, entry: join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js') };
}

const log = (msg: string) => console.log(`[setup] ${msg}`);

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  const r = spawnSync(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed with ${r.status ?? r.signal}:\n${(r.stdout + r.stderr).split('\n').slice(-40).join('\n')}`);
  }
}

function timed<T>(what: string, fn: () => T): T {
  const t0 = Date.now();
  const result = fn();
  log(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return result;
}

function dpkgInstalled(pkg: string): boolean {
  return spawnSync('dpkg', ['-s', pkg], { stdio: 'ignore' }).status === 0;
}

/** apt-get installs the Debian packages that are missing (needs root, as on these machines). */
export function ensureDebianPackages(): void {
  const missing = DEBIAN_PACKAGES.filter((p) => !dpkgInstalled(p));
  if (missing.length === 0) return;
  log(`apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  timed('apt-get', () => {
    run('apt-get', ['update', '-q'], '/', env);
    run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], '/', env);
  });
}

function npmBundledNodeGyp(): string {
  const npmRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
  const gyp = join(npmRoot, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (!existsSync(gyp)) throw new Error(`npm's bundled node-gyp is missing at ${gyp}`);
  return gyp;
}

/** code-server installed (or reused) in the cache; returns where its entry is. */
export function ensureCodeServer(root = cacheRoot()): CodeServerInstall {
  const install = codeServerInstall(root);
  const stamp = join(install.dir, '.ready');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === `${CODE_SERVER_VERSION} ${process.version}` && existsSync(install.entry)) {
    return install;
  }
  const t0 = Date.now();
  rmSync(stamp, { force: true });
  mkdirSync(install.dir, { recursive: true });
  const pkgJson = join(install.dir, 'package.json');
  if (!existsSync(pkgJson)) writeFileSync(pkgJson, JSON.stringify({ name: 'slipway-code-server-host', private: true }) + '\n');
  const npmEnv = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
  const pkg = join(install.dir, 'node_modules', 'code-server');
  const vsc = join(pkg, 'lib', 'vscode');

  timed(`npm install code-server@${CODE_SERVER_VERSION} --ignore-scripts`, () =>
    run('npm', ['install', '--ignore-scripts', '--no-save', `code-server@${CODE_SERVER_VERSION}`], install.dir, npmEnv),
  );
  // code-server's util.js requires argon2 at load; build it here instead of downloading a prebuilt one.
  timed('argon2 from source', () => run('npm', ['rebuild', 'argon2', '--build-from-source'], install.dir, npmEnv));
  run(process.execPath, ['-e', "require('argon2')"], install.dir);

  // What code-server's postinstall (vscode_install) does, minus the GitHub downloads.
  timed('lib/vscode production dependencies', () => run('npm', ['install', '--omit=dev', '--ignore-scripts'], vsc, npmEnv));
  const gyp = npmBundledNodeGyp();
  for (const addon of NATIVE_ADDONS) {
    timed(`native addon ${addon}`, () =>
      run(process.execPath, [gyp, 'rebuild', '--nodedir=/usr', `--jobs=${cpus().length}`], join(vsc, 'node_modules', addon), npmEnv),
    );
    run(process.execPath, ['-e', `require(${JSON.stringify(addon)})`], vsc);
  }
  // @vscode/ripgrep's postinstall would download rg: use Debian's.
  const rgBin = join(vsc, 'node_modules', '@vscode', 'ripgrep', 'bin');
  mkdirSync(rgBin, { recursive: true });
  rmSync(join(rgBin, 'rg'), { force: true });
  symlinkSync('/usr/bin/rg', join(rgBin, 'rg'));
  // postinstall.sh symlinks
  const relink = (target: string, link: string) => {
    rmSync(link, { force: true });
    symlinkSync(target, link);
  };
  relink('node_modules', join(vsc, 'node_modules.asar'));
  relink('code-linux.sh', join(vsc, 'bin', 'remote-cli', 'code-server'));
  relink('browser-linux.sh', join(vsc, 'bin', 'helpers', 'browser.sh'));
  timed('lib/vscode/extensions dependencies', () => {
    run('npm', ['install', '--omit=dev', '--ignore-scripts'], join(vsc, 'extensions'), npmEnv);
    run(process.execPath, ['postinstall.mjs'], join(vsc, 'extensions'));
  });
  writeFileSync(stamp, `${CODE_SERVER_VERSION} ${process.version}\n`);
  log(`code-server ${CODE_SERVER_VERSION} installed in ${install.dir} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return install;
}
