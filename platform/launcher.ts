/**
 * dist/platform.js: starts the platform bundle (dist/platform-main.js, from main.ts) with V8's
 * code cache, so that a start after the first one does not parse and compile the bundle again
 * (issue 2: start to API ready within 300 ms; compiling the bundle was about a third of it).
 * Node 20 has no `module.enableCompileCache` (22.1), so this is `vm.Script` with `cachedData`.
 *
 * The cache sits next to the bundle, one file per V8 version and architecture (the editor's
 * Electron and the command line's node each keep their own), and is written shortly after the
 * platform answers, so it holds the functions that start-up and the first requests compiled, not
 * only the top level. A cache names the bundle it was made from (size, mtime, inode): a rebuilt
 * bundle is compiled afresh and the cache is written again; V8 rejects a cache of another version
 * or other flags, which is then written again too. A directory that cannot be written only means
 * no cache. The first start after an install or a build is the cold one. The bundles that the
 * platform loads later (esbuild.mjs: undici on the router's first request, Ajv on the first
 * validated one) are run the same way, each with its own cache. SLIPWAY_NO_CODE_CACHE
 * (set to anything) starts without reading or writing a cache (the start-up benchmark's cold run).
 */
import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire, wrap } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { restorePlatformEnv } from './discovery/spawn-env';

// NODE_EXTRA_CA_CERTS, deferred by whoever started the platform, for the programs it runs.
restorePlatformEnv();

const MAGIC = 'slipway-code-cache-1';
/** After the platform answers: the cache then also holds what the first API requests compiled. */
const WRITE_DELAY_MS = 500;

/** What the platform bundle exports (main.ts): settles once platform.json is written. */
interface PlatformMain {
  ready?: Promise<unknown>;
}

function cacheKey(file: string): string {
  const st = statSync(file);
  return `${MAGIC} ${st.size} ${st.mtimeMs} ${st.ino}\n`;
}

/** The cached data, if the cache was made from this very bundle. */
function readCache(cacheFile: string, key: string): Buffer | undefined {
  let data: Buffer;
  try {
    data = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const head = Buffer.from(key);
  return data.length > head.length && data.subarray(0, head.length).equals(head) ? data.subarray(head.length) : undefined;
}

function writeCache(cacheFile: string, key: string, data: Buffer): void {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, Buffer.concat([Buffer.from(key), data]));
    renameSync(tmp, cacheFile);
  } catch {
    // A read-only install: no cache, the platform starts all the same.
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
  }
}

interface Loaded {
  exports: unknown;
}

const USE_CACHE = process.env.SLIPWAY_NO_CODE_CACHE === undefined;
/** The bundles loaded so far, as `require` caches modules. */
const loaded = new Map<string, Loaded>();

/**
 * Runs one bundle of dist/ as a CommonJS module, compiled with its code cache when there is one.
 * Its `require` loads the other bundles of dist/ (`./platform-*.js`, the packages esbuild.mjs
 * splits off) the same way; anything else (node's modules, the native binding) as node does.
 * `whenWarm` settles when the cache may be written (what ran by then is in it).
 */
function load(file: string, whenWarm: (exports: unknown) => Promise<unknown>): unknown {
  const done = loaded.get(file);
  if (done) return done.exports;
  const dir = dirname(file);
  const cacheFile = `${file}.v8-${process.versions.v8}-${process.arch}.cache`;
  const key = USE_CACHE ? cacheKey(file) : '';
  const cachedData = USE_CACHE ? readCache(cacheFile, key) : undefined;
  const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const mod: Loaded = { exports: {} };
  loaded.set(file, mod);
  const nodeRequire = createRequire(file);
  const bundleRequire = Object.assign(
    (id: string): unknown => (/^\.\/platform-[a-z0-9-]+\.js$/.test(id) ? load(join(dir, id), afterDelay) : nodeRequire(id)),
    nodeRequire,
  );
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Loaded, filename: string, dirname: string) => void;
  run.call(mod.exports, mod.exports, bundleRequire as NodeJS.Require, mod, file, dir);
  if (USE_CACHE && (!cachedData || script.cachedDataRejected)) {
    void whenWarm(mod.exports).then(() => writeCache(cacheFile, key, script.createCachedData()));
  }
  return mod.exports;
}

const afterDelay = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, WRITE_DELAY_MS).unref());

// The platform's cache is written once it answers (and WRITE_DELAY_MS more); a bundle loaded
// later (the router's undici on its first request) WRITE_DELAY_MS after it was loaded.
load(join(__dirname, 'platform-main.js'), (exports) => Promise.resolve((exports as PlatformMain).ready).then(afterDelay));
