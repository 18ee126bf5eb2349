/**
 * Builds a slug from an app folder (docs PLATFORM.md "Slugs", "Build output"):
 *
 * 1. Validate: the source is a directory, the Procfile (if any) has no errors.
 * 2. Pick the buildpack (buildpack.ts: detect, compile, release, after Heroku's classic API):
 *    the app's custom classic buildpacks (classic-buildpack.ts) when it has any, else the
 *    built-in node (package.json) or plain step (builtin-buildpacks.ts).
 * 3. When the buildpack has a program to run (a custom buildpack always; npm: the app has a
 *    lockfile, dependencies or an install script), sync the source minus `.slugignore` and
 *    `.git` into the app's build dir in the work dir, incrementally (build-dir-sync.ts),
 *    compressing the chunks the sync changed while it goes; then compile there. A custom
 *    buildpack gets a fresh build dir (the app and nothing else, as on Heroku; its cache dir is
 *    what persists), dropped after the build.
 *    When nothing would run (a plain app, or a node app with nothing to install), no program
 *    could see a build dir, so none is written: the slug is made from the source tree
 *    directly. The tar is the same either way, byte for byte (same entries, same contents,
 *    same plan); only the copy is saved (for 20,000 files, most of a cold build's I/O).
 * 4. Discover process types.
 * 5. Compress into a deterministic .tar.gz of concatenated gzip members (chunk-plan.ts),
 *    reusing every member whose chunk is unchanged (chunk-cache.ts), hashing as it is
 *    written; refuse above the hard limit (no file left), warn above the soft one.
 *
 * The programs a build runs (npm, a buildpack's bin/*) run in a bubblewrap sandbox where it
 * works, writing only the build dir and their cache (build-sandbox.ts); the first one says in
 * the build output whether it is sandboxed.
 *
 * Work dir layout (per app, kept across builds and restarts): `build/` the build dir,
 * `build-manifest.json` what the sync copied, `chunks/` compressed members, `npm-cache/`,
 * `install-stamp.json`, `buildpack-cache/<hash of the buildpack dir>/` a custom buildpack's
 * CACHE_DIR, `buildpack-env/` its ENV_DIR while it compiles. Builds that share a work dir run
 * one after the other.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chunkKey, planChunks } from '../slugs/chunk-plan';
import { ChunkCache } from '../slugs/chunk-cache';
import { compressChunk } from '../slugs/chunk-render';
import { topContributors, type Contributor } from '../slugs/contributors';
import { streamMembers } from '../slugs/member-stream';
import { classify, formatSize, type SlugClass } from '../shared/size';
import { SlugFileWriter } from '../slugs/slug-file';
import { SlugHistory } from '../slugs/slug-history';
import { readSlugignoreFile } from '../slugs/slugignore-file';
import { TimeSlice } from '../slugs/time-slice';
import { ListingCache, walkTree, type TreeEntry } from '../slugs/tree';
import { BuildError } from './build-error';
import { BuildLog } from './build-log';
import { syncBuildDir } from './build-dir-sync';
import { BuildSandbox } from './build-sandbox';
import type { AppTree, Buildpack } from './buildpack';
import { nodeBuildpack, plainBuildpack } from './builtin-buildpacks';
import { buildpackCacheDir, classicBuildpack } from './classic-buildpack';
import { discoverProcessTypes, readProcfile } from './process-types';

export { BuildError } from './build-error';

export interface BuildOptions {
  app: string;
  sourceDir: string;
  /** per-app persistent dir the build may use (build dir, npm cache, chunk cache); survives restarts */
  workDir: string;
  /** where finished slugs live: SLUGSDIR/<sha256>.tar.gz */
  slugsDir: string;
  /** the app's config vars (the node step's environment; a classic buildpack's ENV_DIR) */
  env: Record<string, string>;
  /** the app's custom classic buildpacks (absolute dirs, run in order); none: node or plain */
  buildpacks?: readonly string[];
  softLimitBytes: number;
  hardLimitBytes: number;
  /** build output lines, without "-----> Launching..." (the caller prints that) */
  log: (line: string) => void;
  /**
   * Whether the build's programs run in the bubblewrap sandbox: true requires it, false never;
   * default: where it works here (the platform passes what its dynos use).
   */
  sandbox?: boolean;
  /** Host dirs a sandboxed build must not see at all (the platform's home, with its token). */
  hide?: readonly string[];
  /** What the platform keeps between builds (one per platform, in its context); none: nothing is kept. */
  caches?: BuildCaches;
  signal?: AbortSignal;
}

export interface BuildResult {
  /** id = sha256 hex of the .tar.gz bytes; the file is SLUGSDIR/<id>.tar.gz */
  slug: { id: string; size: number; path: string };
  /** from the Procfile, else the build step's defaults */
  processTypes: Record<string, string>;
  /** 'node' | 'plain' | the custom buildpack's directory */
  buildpack: string;
  class: SlugClass;
  /** the largest contributors to the slug's size (worked out when first read) */
  readonly top: { path: string; bytes: number }[];
  warnings: string[];
}

/**
 * What one platform keeps from build to build (in its context, never in module state): directory
 * listings (a rebuild reads only the directories that changed) and the last slug of each work dir
 * (a rebuild starts from its unchanged first members).
 */
export class BuildCaches {
  readonly listings = new ListingCache();
  readonly history = new SlugHistory();
}

/** Members compressing while the sync copies (bounds memory, keeps the threadpool busy). */
const WARM_AHEAD = 8;

/** One build's state, handed from step to step. */
interface Run {
  opts: BuildOptions & { caches: BuildCaches };
  log: BuildLog;
  sandbox: BuildSandbox;
  slice: TimeSlice;
  workDir: string;
  sourceDir: string;
  buildDir: string;
  chunks: ChunkCache;
  /** Whether the build dir is a classic buildpack's (dropped after every build). */
  classic: boolean;
  writer?: SlugFileWriter;
}

/**
 * Builds one slug: read the source, run the build step, compress, report the size. Builds of one
 * work dir must not overlap: the caller runs them one at a time (a deploy holds its app's place
 * in ctx.locks, releases/deploy.ts).
 */
export async function buildSlug(options: BuildOptions): Promise<BuildResult> {
  const opts = { ...options, caches: options.caches ?? new BuildCaches() };
  const log = new BuildLog(opts.log);
  const workDir = resolve(opts.workDir);
  let run: Run | undefined;
  try {
    opts.signal?.throwIfAborted();
    const source = await readSource(opts, log, workDir);
    mkdirSync(workDir, { recursive: true });
    run = {
      opts,
      log,
      sandbox: new BuildSandbox(opts.sandbox, log, opts.hide),
      slice: source.slice,
      workDir,
      sourceDir: source.dir,
      buildDir: join(workDir, 'build'),
      chunks: new ChunkCache(join(workDir, 'chunks')),
      classic: false,
    };
    const step = await runBuildStep(run, source.entries);
    const processTypes = discoverProcessTypes(source.procfile, step.defaults, step.used[step.used.length - 1].noProcessTypesAdvice, log);
    const { slug, largest } = await compress(run, step.root, source.entries);
    reportSize(run, slug.size, largest);
    return {
      slug,
      processTypes,
      buildpack: step.used.map((b) => b.id).join(', '),
      class: classify(slug.size),
      get top() {
        return largest();
      },
      warnings: log.warnings,
    };
  } catch (err) {
    run?.writer?.abandon();
    await run?.chunks.quiesce();
    if (run?.classic) dropBuildDir(workDir);
    throw asBuildError(err, opts.signal);
  }
}

/** The source folder minus `.slugignore`, its Procfile, and the first line of output. */
async function readSource(opts: BuildOptions & { caches: BuildCaches }, log: BuildLog, workDir: string) {
  const dir = resolve(opts.sourceDir);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new BuildError('source_missing', `${opts.sourceDir}: no such directory; give the folder of the app to deploy`);
  const { slugignore, warnings } = readSlugignoreFile(dir);
  const procfile = readProcfile(dir, slugignore);
  log.step('Building on the Slipway stack');
  for (const w of warnings) log.warn(w);
  const slice = new TimeSlice(opts.signal);
  const tree = await walkTree(dir, { ignore: slugignore, exclude: [workDir, opts.slugsDir], slice, listings: opts.caches.listings });
  for (const p of tree.skipped) log.warn(`${p} is not a file, directory or link (a socket, FIFO or device): left out of the slug`);
  return { dir, procfile, slice, entries: tree.entries };
}

/** Copies the source (minus `.slugignore`) into the build dir, compressing what changed as it goes. */
async function materialise(run: Run, entries: TreeEntry[]): Promise<void> {
  const { chunks } = run;
  await syncBuildDir({
    sourceDir: run.sourceDir,
    buildDir: run.buildDir,
    manifestPath: join(run.workDir, 'build-manifest.json'),
    entries,
    slice: run.slice,
    onChangedChunk: async (chunk, contents) => {
      // compress what the sync changed while it goes on (and while the buildpack runs)
      const key = chunkKey(chunk);
      if (chunks.has(key)) return;
      await chunks.settleTo(WARM_AHEAD - 1);
      void chunks.put(key, compressChunk(chunk, run.buildDir, contents));
    },
  });
}

/**
 * The app's classic buildpacks, or the node or plain step. `root` is the tree the slug is made
 * of: the source itself when nothing ran that writes (see the top of this file), else the build dir.
 */
async function runBuildStep(run: Run, entries: TreeEntry[]): Promise<{ root: string; used: Buildpack[]; defaults: Record<string, string> }> {
  const { opts, log, buildDir, workDir, sourceDir } = run;
  if (opts.buildpacks && opts.buildpacks.length > 0) {
    // A classic buildpack gets a build dir holding the app and nothing else, every time.
    run.classic = true;
    dropBuildDir(workDir);
    await materialise(run, entries);
    const tree: AppTree = { dir: buildDir, has: (f) => existsSync(join(buildDir, f)) };
    const used = opts.buildpacks.map((dir) => classicBuildpack(dir, opts.app, workDir, run.sandbox));
    const names: string[] = [];
    for (const bp of used) names.push((await bp.detect(tree, opts.signal)) ?? bp.id);
    for (const [i, bp] of used.entries()) {
      log.step(`${names[i]} app detected`);
      await bp.compile({ buildDir, cacheDir: buildpackCacheDir(workDir, bp.id), config: opts.env, log, signal: opts.signal });
    }
    return { root: buildDir, used, defaults: await used[used.length - 1].release(buildDir, opts.signal) };
  }
  const files = new Set(entries.filter((e) => e.kind !== 'dir').map((e) => e.path));
  const app: AppTree = { dir: sourceDir, has: (f) => files.has(f) };
  const node = nodeBuildpack(run.sandbox);
  const nodeName = await node.detect(app);
  const bp = nodeName ? node : plainBuildpack();
  log.step(`${nodeName ?? (await bp.detect(app)) ?? bp.id} app detected`);
  let root = sourceDir;
  if (bp.writesBuildDir(app)) {
    await materialise(run, entries);
    root = buildDir;
  }
  // the node step keeps npm-cache/ and install-stamp.json in the work dir itself
  await bp.compile({ buildDir: root, cacheDir: workDir, config: opts.env, log, signal: opts.signal });
  return { root, used: [bp], defaults: await bp.release(root, opts.signal) };
}

/** Writes the slug of `root` (a rebuild starts from the last slug's unchanged first members); refuses one above the hard limit. */
async function compress(run: Run, root: string, sourceEntries: TreeEntry[]) {
  const { opts, log, slice, chunks, workDir, buildDir } = run;
  const { history } = opts.caches;
  log.step('Compressing...');
  let entries = sourceEntries;
  if (root === buildDir) {
    const built = await walkTree(buildDir, { slice, listings: opts.caches.listings });
    for (const p of built.skipped) log.warn(`${p} (made by the build step) is not a file, directory or link: left out of the slug`);
    entries = built.entries;
  }
  const plan = planChunks(entries);
  const keys = plan.map(chunkKey);
  // a rebuild starts from the last slug's unchanged first members (slugs/slug-history.ts)
  let start = history.start(workDir, keys);
  history.forget(workDir);
  let out: SlugFileWriter;
  try {
    out = new SlugFileWriter(opts.slugsDir, start?.prefix);
  } catch {
    start = undefined; // the earlier slug could not be copied: write it all
    out = new SlugFileWriter(opts.slugsDir);
  }
  run.writer = out;
  const sizes = start ? [...start.written] : [];
  const hashes = start ? [...start.hashes] : [];
  let total = out.size;
  const members = await streamMembers(plan, {
    root,
    cache: chunks,
    keys,
    slice,
    signal: opts.signal,
    written: start?.written,
    sink: (member) => {
      total += member.length;
      if (total > opts.hardLimitBytes) out.abandon();
      else {
        out.write(member);
        sizes.push(member.length);
        hashes.push(out.mark());
      }
    },
  });
  // the largest contributors cost milliseconds to work out: only when they are shown or read
  let top: Contributor[] | undefined;
  const largest = (): Contributor[] => (top ??= topContributors(members.contributions));
  if (members.bytes > opts.hardLimitBytes) {
    throw new BuildError(
      'slug_too_large',
      `Compiled slug size: ${formatSize(members.bytes)} is too large (max is ${formatSize(opts.hardLimitBytes)}). ` +
        `Largest contributors: ${describe(largest())}. Add what the app does not need at run time to .slugignore, or raise the limit (slugHardLimitMiB)`,
    );
  }
  const slug = out.finish();
  history.record(workDir, { path: slug.path, keys, sizes, hashes });
  await chunks.quiesce();
  chunks.prune(members.keys);
  if (root === run.sourceDir || run.classic) dropBuildDir(workDir);
  return { slug, largest };
}

function reportSize(run: Run, size: number, largest: () => Contributor[]): void {
  const { log, opts } = run;
  log.step(`Compiled slug size is ${formatSize(size)}`);
  if (size <= opts.softLimitBytes) return;
  log.warn(
    [
      `Warning: the slug (${formatSize(size)}) is above the soft limit (${formatSize(opts.softLimitBytes)}): deploys and dyno starts get slower.`,
      'Largest contributors (add what the app does not need at run time to .slugignore):',
      ...largest().map((c) => `  ${formatSize(c.bytes).padStart(6)}  ${c.path}`),
    ].join('\n'),
  );
}

/** A build dir left from when the app had a build step to run is no longer of use. */
function dropBuildDir(workDir: string): void {
  for (const name of ['build', 'build-manifest.json', 'install-stamp.json']) rmSync(join(workDir, name), { recursive: true, force: true });
}

function describe(top: Contributor[]): string {
  return top.length === 0 ? 'none' : top.map((c) => `${c.path} ${formatSize(c.bytes)}`).join(', ');
}

function asBuildError(err: unknown, signal: AbortSignal | undefined): unknown {
  if (err instanceof BuildError) return err;
  if (signal?.aborted) return new BuildError('build_aborted', 'the build was cancelled');
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && typeof e.syscall === 'string') {
    // a file the build could not read or write: the user can act on the path in the message
    return new BuildError('build_failed', `the build could not ${e.syscall} ${e.path ?? ''}: ${e.message}`);
  }
  return err;
}
