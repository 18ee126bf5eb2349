/**
 * The packaged extension: `npm run package` (vsce, with .vscodeignore as the allow-list), its
 * size against the 10 MB budget, and a check that the platform bundled inside it starts on
 * its own: unzipped outside the checkout (so `require('level')` can only find the node_modules
 * the .vsix carries), `node extension/dist/platform.js` on a temporary home must write
 * platform.json and answer GET /platform.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { readPlatformFile } from '../../../platform/discovery/platform-file';
import { makeTestHome } from '../workspace';

export const VSIX_BUDGET_BYTES = 10 * 1000 * 1000;

/**
 * `npm run package`, run in a staging copy of the checkout: the package script rebuilds dist/
 * in production mode, and rewriting the checkout's dist/ would pull the bundles from under the
 * other test files that run them at the same time. The staging folder copies the files the
 * .vsix takes from the root and links the sources and node_modules, so the script, esbuild.mjs
 * and .vscodeignore are exactly the checkout's.
 */
export function packageVsix(repo: string, out: string): { file: string; bytes: number; ms: number } {
  const t0 = Date.now();
  const stage = mkdtempSync(join(tmpdir(), 'slipway-package-'));
  try {
    for (const name of readdirSync(repo)) {
      const from = join(repo, name);
      if (LINKED.has(name)) symlinkSync(from, join(stage, name));
      else if (COPIED.has(name) || /^language-configuration.*\.json$/.test(name)) cpSync(from, join(stage, name), { recursive: true });
    }
    const r = spawnSync('npm', ['run', 'package'], { cwd: stage, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`npm run package failed:\n${(r.stdout + r.stderr).split('\n').slice(-40).join('\n')}`);
    mkdirSync(out, { recursive: true });
    const file = join(out, 'slipway.vsix');
    cpSync(join(stage, 'slipway.vsix'), file);
    return { file, bytes: statSync(file).size, ms: Date.now() - t0 };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Linked into the staging folder: what the build reads. Copied: what vsce packs from the root. */
const LINKED = new Set(['esbuild.mjs', 'platform', 'extension', 'node_modules', 'tsconfig.json']);
const COPIED = new Set(['package.json', 'package-lock.json', '.vscodeignore', 'README.md', 'LICENSE', 'media', 'syntaxes']);

/** Extracts a zip (stored or deflated entries, as vsce writes them) into `dest`. */
export function unzip(file: string, dest: string): string[] {
  const buf = readFileSync(file);
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${file} is not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad zip central directory');
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    if (name.split('/').includes('..')) throw new Error(`unsafe zip entry ${name}`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + compressed);
    const data = method === 0 ? raw : method === 8 ? inflateRawSync(raw) : null;
    if (!data) throw new Error(`zip entry ${name}: compression method ${method} is not supported`);
    const out = join(dest, name);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, data);
    names.push(name);
  }
  return names;
}

/** Starts the platform from the unzipped .vsix on a temporary home; resolves to what it reported. */
export async function checkPackagedPlatform(vsix: string): Promise<{ version: string; startMs: number; files: number }> {
  const root = mkdtempSync(join(tmpdir(), 'slipway-vsix-'));
  try {
    const files = unzip(vsix, join(root, 'x'));
    const script = join(root, 'x', 'extension', 'dist', 'platform.js');
    const home = join(root, 'home');
    makeTestHome(home);
    const t0 = Date.now();
    const child = spawn(process.execPath, [script], { env: { ...process.env, SLIPWAY_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // Ready when platform.json names the child (its stderr line comes right after it is written).
      const ready = await Promise.race([
        new Promise<'ready'>((resolve) => child.stderr.on('data', () => readPlatformFile(join(home, 'platform.json'))?.pid === child.pid && resolve('ready'))),
        exited.then((code) => `exited with ${code}`),
        new Promise<string>((resolve) => setTimeout(() => resolve('timed out after 20 s'), 20000).unref()),
      ]);
      if (ready !== 'ready') throw new Error(`the platform inside the .vsix did not start (${ready}):\n${output}`);
      const startMs = Date.now() - t0;
      const info = readPlatformFile(join(home, 'platform.json'))!;
      const token = readFileSync(join(home, 'token'), 'utf8').trim();
      const res = await fetch(`${info.url}/platform`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`GET /platform answered ${res.status}`);
      const status = (await res.json()) as { version: string; home: string };
      if (status.home !== home) throw new Error(`the platform reports home ${status.home}, expected ${home}`);
      const apps = await fetch(`${info.url}/apps`, { headers: { authorization: `Bearer ${token}` } });
      if (!apps.ok) throw new Error(`GET /apps answered ${apps.status} (LevelDB not usable?)`);
      return { version: status.version, startMs, files: files.length };
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
