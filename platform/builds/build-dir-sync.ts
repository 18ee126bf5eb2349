/**
 * Keeps an app's build directory in step with its source, incrementally (rsync-like):
 * a file is copied only when it is new or its size, mtime, ctime, inode, mode or kind changed
 * since it was last copied (a manifest in the work dir records what was copied from what);
 * copies keep the source's mtime and mode; links are recreated as links; source files that
 * vanished are deleted from the build dir, while what the build step made there (node_modules)
 * stays. The source is only ever read.
 *
 * The manifest is removed before the first change and written after the last, so a sync that
 * was interrupted is detected next time and the build dir is rebuilt from scratch.
 *
 * While it copies, the sync walks the source's chunk plan (chunk-plan.ts) and reports every
 * chunk it changed, with the entries as they now are in the build dir: the caller compresses
 * those right away, overlapping compression with copying. When the build step then changes
 * nothing in them, the final pass finds them in the cache.
 */
import {
  closeSync,
  constants,
  fchmodSync,
  futimesSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  rmdirSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BIG_FILE, chunkEntries, planChunks, type Chunk } from '../slugs/chunk-plan';
import type { TimeSlice } from '../slugs/time-slice';
import { entryFromStats, type TreeEntry } from '../slugs/tree';

export interface SyncOptions {
  sourceDir: string;
  buildDir: string;
  /** where the record of the last sync lives (outside buildDir) */
  manifestPath: string;
  /** the source tree as it goes into the build (after .slugignore), sorted by entryKey */
  entries: readonly TreeEntry[];
  slice: TimeSlice;
  /**
   * A chunk of the source's plan that this sync changed, as the build dir now has it, with the
   * contents of the files it copied (so they need not be read again).
   */
  onChangedChunk?: (chunk: Chunk, contents: ReadonlyMap<string, Buffer>) => Promise<void> | void;
}

export interface SyncResult {
  copied: number;
  removed: number;
  /** whether the build dir was started afresh (first build, or an interrupted sync) */
  fresh: boolean;
}

interface Manifest {
  version: 1;
  /** [path, identity of the source entry that was copied there] */
  entries: [string, string][];
}

const identity = (e: TreeEntry): string =>
  e.kind === 'dir' ? 'd' : `${e.kind === 'file' ? 'f' : 'l'} ${e.size} ${e.mtimeMs} ${e.ctimeMs} ${e.ino} ${e.mode} ${e.target ?? ''}`;

export async function syncBuildDir(opts: SyncOptions): Promise<SyncResult> {
  const { manifestPath, slice } = opts;
  const sourceDir = resolve(opts.sourceDir);
  const buildDir = resolve(opts.buildDir);
  const previous = readManifest(manifestPath);
  const fresh = previous === undefined || !isDirectory(buildDir);
  if (fresh) {
    rmSync(buildDir, { recursive: true, force: true });
    mkdirSync(buildDir, { recursive: true });
  }
  const before = new Map(fresh ? [] : previous?.entries);
  rmSync(manifestPath, { force: true }); // from here on the build dir may differ from any manifest

  const now = new Map<string, string>();
  const copiedNow = new Set<string>();
  let copied = 0;
  for (const chunk of planChunks(opts.entries)) {
    let changed = false;
    const contents = new Map<string, Buffer>();
    for (const e of chunkEntries(chunk)) {
      if (e.path === '') continue; // the root
      const id = identity(e);
      now.set(e.path, id);
      if (chunk.kind === 'piece' && chunk.index > 0) {
        changed ||= copiedNow.has(e.path);
        continue;
      }
      if (before.get(e.path) === id) continue;
      const data = apply(sourceDir, buildDir, e);
      if (data) contents.set(e.path, data);
      copied++;
      changed = true;
      if (chunk.kind === 'piece') copiedNow.add(e.path);
      if (slice.due()) await slice.pause();
    }
    if (changed && opts.onChangedChunk) {
      const asBuilt = inBuildDir(buildDir, chunk);
      if (asBuilt) await opts.onChangedChunk(asBuilt, contents);
    }
  }

  // source entries that vanished: files and links go, directories go when nothing else is in them
  let removed = 0;
  const goneDirs: string[] = [];
  for (const [path, id] of before) {
    if (now.has(path)) continue;
    if (id === 'd') {
      goneDirs.push(path);
      continue;
    }
    try {
      rmSync(`${buildDir}/${path}`, { force: true });
      removed++;
    } catch {
      // a build step put a directory there since: it stays
    }
    if (slice.due()) await slice.pause();
  }
  goneDirs.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)); // children before parents
  for (const path of goneDirs) {
    try {
      rmdirSync(`${buildDir}/${path}`);
      removed++;
    } catch {
      // not empty (build outputs) or already gone
    }
  }

  const tmp = `${manifestPath}.tmp`;
  writeFileSync(tmp, JSON.stringify({ version: 1, entries: [...now] } satisfies Manifest));
  renameSync(tmp, manifestPath);
  return { copied, removed, fresh };
}

function readManifest(path: string): Manifest | undefined {
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
    return m.version === 1 && Array.isArray(m.entries) ? m : undefined;
  } catch {
    return undefined;
  }
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The chunk with its entries as found in the build dir, or undefined if they differ from the plan. */
function inBuildDir(buildDir: string, chunk: Chunk): Chunk | undefined {
  const entries: TreeEntry[] = [];
  for (const e of chunkEntries(chunk)) {
    if (e.kind === 'dir') {
      entries.push(e); // a directory's header depends on its path only
      continue;
    }
    let built: TreeEntry | undefined;
    try {
      built = entryFromStats(buildDir, e.path, lstatSync(`${buildDir}/${e.path}`));
    } catch {
      return undefined;
    }
    if (!built || built.kind !== e.kind || built.size !== e.size || built.target !== e.target) return undefined;
    entries.push(built);
  }
  if (chunk.kind === 'entries') return { ...chunk, entries };
  if (chunk.kind === 'piece') return { ...chunk, entry: entries[0] };
  return chunk;
}

/** Brings one entry over; returns a small file's contents as copied (when it still has the walked size). */
function apply(sourceDir: string, buildDir: string, e: TreeEntry): Buffer | undefined {
  const dest = `${buildDir}/${e.path}`;
  if (e.kind === 'dir') makeDir(dest);
  else if (e.kind === 'symlink') makeLink(dest, e.target ?? '');
  else return copyFile(`${sourceDir}/${e.path}`, dest, e);
  return undefined;
}

function makeDir(dest: string): void {
  try {
    mkdirSync(dest);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if (isDirectory(dest)) return;
      rmSync(dest, { force: true });
      mkdirSync(dest);
    } else if (code === 'ENOENT') {
      mkdirSync(dest, { recursive: true });
    } else {
      throw err;
    }
  }
}

function makeLink(dest: string, target: string): void {
  rmSync(dest, { recursive: true, force: true }); // removes a link itself, never what it points to
  try {
    symlinkSync(target, dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dirname(dest), { recursive: true });
    symlinkSync(target, dest);
  }
}

const COPY_BUFFER = Buffer.allocUnsafe(1024 * 1024);
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;

/** Opens `dest` for writing without ever following a link there (a link or a directory in the way is removed). */
function openForWrite(dest: string, mode: number): number {
  try {
    return openSync(dest, WRITE_FLAGS, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EISDIR') rmSync(dest, { recursive: true, force: true });
    else if (code === 'ENOENT') mkdirSync(dirname(dest), { recursive: true });
    else throw err;
    return openSync(dest, WRITE_FLAGS, mode);
  }
}

/** Copies a file, keeping its mode and mtime; returns its contents if it is small (below BIG_FILE). */
function copyFile(src: string, dest: string, e: TreeEntry): Buffer | undefined {
  const mode = e.mode & 0o777;
  const input = openSync(src, 'r');
  try {
    const small = e.size < BIG_FILE ? readFileSync(input) : undefined;
    const output = openForWrite(dest, mode);
    try {
      if (small) {
        writeAll(output, small, small.length);
      } else {
        for (;;) {
          const n = readSync(input, COPY_BUFFER, 0, COPY_BUFFER.length, null);
          if (n === 0) break;
          writeAll(output, COPY_BUFFER, n);
        }
      }
      fchmodSync(output, mode);
      const seconds = e.mtimeMs / 1000;
      futimesSync(output, seconds, seconds);
    } finally {
      closeSync(output);
    }
    return small;
  } finally {
    closeSync(input);
  }
}

function writeAll(fd: number, data: Buffer, length: number): void {
  let written = 0;
  while (written < length) written += writeSync(fd, data, written, length - written);
}
