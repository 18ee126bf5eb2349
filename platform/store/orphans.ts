/**
 * What looks orphaned is moved aside, never deleted (PLATFORM.md, "State durability"): a slug
 * that no release mentions may be one whose release was lost with damaged state, and deleting
 * it would make the loss final. Moved files go to $SLIPWAY_HOME/orphans/STAMP/KIND/NAME (one
 * STAMP per start), `platform:status` lists them, and only the user removes them.
 */
import { mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { HomePaths } from '../discovery/home';

export const orphansDir = (paths: HomePaths) => join(paths.root, 'orphans');

/** A folder name for this moment: 2026-12-08T01-20-33-123Z (no colons, sorts by time). */
export function orphanStamp(date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

/** Moves `path` to orphans/STAMP/KIND/; returns where it went. Same filesystem: a rename. */
export function moveAside(paths: HomePaths, stamp: string, kind: string, path: string): string {
  const dir = join(orphansDir(paths), stamp, kind);
  mkdirSync(dir, { recursive: true });
  const to = join(dir, basename(path));
  renameSync(path, to);
  return to;
}

export interface Orphan {
  path: string;
  bytes: number;
}

function size(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((n, name) => n + size(join(path, name)), 0);
}

function children(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/**
 * Everything moved aside, oldest first, with its size in bytes: each slug of
 * orphans/STAMP/slugs/ on its own (the start-up sweep puts them there), anything else under
 * orphans/STAMP/ (a database the user moved aside, …) as one entry. Empty folders are left out.
 */
export function listOrphans(paths: HomePaths): Orphan[] {
  const out: Orphan[] = [];
  const root = orphansDir(paths);
  for (const stamp of children(root)) {
    for (const name of children(join(root, stamp))) {
      const path = join(root, stamp, name);
      const entries = name === 'slugs' && statSync(path).isDirectory() ? children(path) : null;
      if (entries) for (const slug of entries) out.push({ path: join(path, slug), bytes: size(join(path, slug)) });
      else if (!statSync(path).isDirectory() || children(path).length > 0) out.push({ path, bytes: size(path) });
    }
  }
  return out;
}
