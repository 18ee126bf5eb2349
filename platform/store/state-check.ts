/**
 * Before LevelDB opens the state: is it whole? (PLATFORM.md, "State durability".) LevelDB, left
 * to itself, starts on what it finds: with `CURRENT` gone it makes a new, empty database and
 * later deletes the old tables as obsolete; a cut or damaged write-ahead log loses its last
 * writes without a word; a deleted database is simply created again, and the start-up slug
 * cleanup then took every slug for garbage. So the platform checks first and refuses to start,
 * naming the file and the way to recover, changing nothing:
 *
 * - the database is missing or empty while slugs or apps' files say there was state;
 * - files are there but `CURRENT` is not, or names a MANIFEST that is not there;
 * - a log (the WAL, the MANIFEST) has a checksum mismatch or garbage, or a table a damaged block;
 * - after a clean stop (the platform wrote `state-closed.json` with every file's size once
 *   LevelDB had closed), a file is missing, or shorter or longer than it was, or a log ends
 *   inside a record. After a crash (no such file) a log may end inside a record: that is the
 *   write the crash interrupted, which was never acknowledged (writes are synced before the API
 *   answers), and LevelDB drops it. A log cut at a record boundary after a crash cannot be told
 *   from a shorter history; that is the limit of this check.
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HomePaths } from '../discovery/home';
import { PlatformError } from '../errors';
import { checkLogFile, checkTableFile } from './leveldb-files';

export const CLOSED_MARKER = 'state-closed.json';

interface ClosedMarker {
  closedAt: string;
  /** Every LevelDB file (not LOCK, not LevelDB's own text LOG) and its size, after close. */
  files: Record<string, number>;
}

const markerPath = (paths: HomePaths) => join(paths.root, CLOSED_MARKER);
const isDbFile = (name: string) => name === 'CURRENT' || name.startsWith('MANIFEST-') || /^\d+\.(log|ldb|sst)$/.test(name);

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The way forward, the same in every refusal. */
export function recoveryAdvice(paths: HomePaths): string {
  const aside = join(paths.root, 'orphans', `manual-${new Date().toISOString().slice(0, 10)}`);
  // what makes the next start see state (mv refuses a path that is not there)
  const movable = [paths.db, paths.slugs, paths.apps, markerPath(paths)].filter((p) => existsSync(p));
  return (
    `Nothing was changed or deleted. To recover, either restore a backup made by "slipway platform:backup": slipway platform:restore FILE ` +
    `(the backups are in ${join(paths.root, 'backups')} unless you chose another place); ` +
    `or start with empty state and keep everything for later: mkdir -p ${aside} && mv ${movable.join(' ')} ${aside}/`
  );
}

function refuse(paths: HomePaths, what: string): never {
  throw new PlatformError('state_damaged', `cannot start: ${what}. ${recoveryAdvice(paths)}`, 500);
}

/** Slug files and app folders: evidence that there was state. */
function evidence(paths: HomePaths): string | null {
  const slugs = listDir(paths.slugs).filter((n) => n.endsWith('.tar.gz')).length;
  const apps = listDir(paths.apps).length;
  const parts = [slugs ? `${slugs} slug(s) in ${paths.slugs}` : '', apps ? `the files of ${apps} app(s) in ${paths.apps}` : ''].filter(Boolean);
  return parts.length ? parts.join(' and ') : null;
}

/**
 * Throws `state_damaged` (message: the file, what is wrong, how to recover) unless the state
 * database looks whole. Returns whether it exists (false: a first start, LevelDB creates it).
 */
export function checkStateFiles(paths: HomePaths): boolean {
  const dir = paths.db;
  const files = listDir(dir).filter(isDbFile);
  const marker = readMarker(paths);
  if (files.length === 0) {
    if (marker) refuse(paths, `the state database ${dir} is missing or empty, but the platform had state when it last stopped (${markerPath(paths)}, ${marker.closedAt})`);
    const seen = evidence(paths);
    if (seen) refuse(paths, `the state database ${dir} is missing or empty, but there are ${seen}: the apps and releases that use them would be lost`);
    return false;
  }
  const current = join(dir, 'CURRENT');
  if (!existsSync(current)) refuse(paths, `${current} is missing (it names the database's MANIFEST); without it LevelDB would start an empty database and later delete the tables`);
  const manifest = readFileSync(current, 'utf8').trim();
  if (!/^MANIFEST-\d+$/.test(manifest)) refuse(paths, `${current} is damaged: it should name a MANIFEST file and holds ${JSON.stringify(manifest.slice(0, 40))}`);
  if (!existsSync(join(dir, manifest))) refuse(paths, `${join(dir, manifest)}, which ${current} names, is missing`);

  if (marker) {
    for (const [name, size] of Object.entries(marker.files)) {
      const file = join(dir, name);
      let actual: number;
      try {
        actual = statSync(file).size;
      } catch {
        refuse(paths, `${file} is missing (it was there, ${size} bytes, when the platform last stopped cleanly at ${marker.closedAt})`);
      }
      if (actual !== size) refuse(paths, `${file} has ${actual} bytes, but had ${size} when the platform last stopped cleanly at ${marker.closedAt}: it was cut or overwritten`);
    }
  }
  for (const name of files) {
    const file = join(dir, name);
    if (name.endsWith('.ldb') || name.endsWith('.sst')) {
      const problem = checkTableFile(readFileSync(file));
      if (problem) refuse(paths, `the table ${file} is damaged: ${problem.problem}`);
    } else if (name.endsWith('.log') || name.startsWith('MANIFEST-')) {
      const log = checkLogFile(readFileSync(file));
      if (log.damage) refuse(paths, `the ${name.endsWith('.log') ? 'write-ahead log' : 'MANIFEST'} ${file} is damaged: ${log.damage.problem}`);
      if (log.partialTail && marker) refuse(paths, `the ${name.endsWith('.log') ? 'write-ahead log' : 'MANIFEST'} ${file} ends inside a record, although the platform last stopped cleanly (${marker.closedAt}): it was cut`);
    }
  }
  return true;
}

function readMarker(paths: HomePaths): ClosedMarker | null {
  try {
    const m = JSON.parse(readFileSync(markerPath(paths), 'utf8')) as ClosedMarker;
    return typeof m.closedAt === 'string' && typeof m.files === 'object' && m.files !== null ? m : null;
  } catch {
    return null;
  }
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Once the state is open (running): a crash from now on leaves no clean-stop marker. */
export function clearClosedMarker(paths: HomePaths): void {
  if (!existsSync(markerPath(paths))) return;
  rmSync(markerPath(paths), { force: true });
  syncDir(paths.root);
}

/**
 * After LevelDB has closed: every file's size, so that the next start can tell a cut file.
 * Best effort: without it (a home removed under the platform, a full disk) the next start
 * checks as after a crash.
 */
export function writeClosedMarker(paths: HomePaths): void {
  try {
    writeMarker(paths);
  } catch {
    // the next start checks as after a crash
  }
}

function writeMarker(paths: HomePaths): void {
  const files: Record<string, number> = {};
  for (const name of listDir(paths.db).filter(isDbFile)) files[name] = statSync(join(paths.db, name)).size;
  const marker: ClosedMarker = { closedAt: new Date().toISOString(), files };
  const file = markerPath(paths);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(marker, null, 2) + '\n');
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  syncDir(dirname(file));
}
