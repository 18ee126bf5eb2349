/** What goes into a slug before any build step: the app minus `.slugignore`d paths and `.git`. */
import { readSlugignoreFile } from '../slugs/slugignore-file';
import { TimeSlice } from '../slugs/time-slice';
import { walkTree } from '../slugs/tree';

export interface SlugFile {
  /** posix path relative to the app root */
  path: string;
  size: number;
  /** permission bits as found (the slug normalises them to 0644/0755) */
  mode: number;
  mtimeMs: number;
  ino: number;
  kind: 'file' | 'symlink';
  /** a link's target, as written (links are kept as links, never followed) */
  target?: string;
}

/**
 * Files and links that a build of `dir` starts from, sorted by path (UTF-16 code units).
 * Directories are implied by the paths. `warnings` are the formatted SI001 lines of
 * `.slugignore` (`!` lines, which are skipped).
 */
export async function listSlugFiles(dir: string): Promise<{ files: SlugFile[]; warnings: string[] }> {
  const { slugignore, warnings } = readSlugignoreFile(dir);
  const { entries } = await walkTree(dir, { ignore: slugignore, slice: new TimeSlice() });
  const files: SlugFile[] = [];
  for (const e of entries) {
    if (e.kind === 'dir') continue;
    const f: SlugFile = { path: e.path, size: e.size, mode: e.mode, mtimeMs: e.mtimeMs, ino: e.ino, kind: e.kind };
    if (e.target !== undefined) f.target = e.target;
    files.push(f);
  }
  return { files, warnings };
}

/** The walk the slug starts from, for a client that indexes a folder as a build would see it (the language server). */
export { walkTree, type TreeEntry } from '../slugs/tree';
export { TimeSlice } from '../slugs/time-slice';
