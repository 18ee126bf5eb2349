/**
 * The files of an app folder (the directory of a `.slugignore`), kept in memory with their
 * sizes so that a `.slugignore` hover or diagnostic never touches the disk: walked once, then
 * kept up to date from file events (workspace/didChangeWatchedFiles).
 *
 * What is in it is what a `.slugignore` is applied to (platform/shared/slug-files.ts): every file,
 * link and directory under the root except `.git` (never part of a slug). `node_modules` is
 * IN: the build starts from the source folder as it is, node_modules included, before npm
 * runs, so a `node_modules` pattern does drop something (and must not be reported as matching
 * nothing). Links count as files (a slug keeps them as links); their size is their target's length.
 *
 * Every directory keeps the totals of its subtree, so a pattern that drops a directory is
 * counted without visiting what is inside it, and a walk that asks the matcher about a
 * directory first never asks about anything below a dropped one.
 */
import { lstatSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { TimeSlice, walkTree } from '../../platform/shared/slug-files';
import type { Slugignore } from '../../platform/shared/slugignore';
import type { PatternFilter } from './pattern-filter';
import { safeIgnores } from './slugignore-rules';

interface DirNode {
  path: string;
  parent: DirNode | null;
  dirs: Map<string, DirNode>;
  /** name → size in bytes */
  files: Map<string, number>;
  /** files (and links) in the whole subtree */
  count: number;
  /** bytes in the whole subtree */
  bytes: number;
}

/** One pattern: its matcher (the judge) and a cheap necessary condition for it. */
export interface PathRule {
  matcher: Slugignore;
  filter: PatternFilter;
}

export interface Measure {
  files: number;
  bytes: number;
  /** directories dropped as a whole (their contents are in files and bytes) */
  dirs: number;
  /** what the `except` rules do not drop already (everything, without them) */
  fresh: { files: number; bytes: number };
  examples: string[];
}

export type FileChange = 'created' | 'changed' | 'deleted';

const newDir = (path: string, parent: DirNode | null): DirNode => ({ path, parent, dirs: new Map(), files: new Map(), count: 0, bytes: 0 });
const join = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`);

export class FileIndex {
  readonly root: string;
  private tree: DirNode = newDir('', null);
  private ready: Promise<void> | null = null;
  /** Increases with every change (callers cache results per version). */
  version = 0;
  /** How long the first walk took, in milliseconds. */
  walkMs = 0;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** Walks the folder (once; later calls wait for the same walk). */
  load(): Promise<void> {
    this.ready ??= this.walk();
    return this.ready;
  }

  private async walk(): Promise<void> {
    const t0 = performance.now();
    this.tree = newDir('', null);
    try {
      await this.walkInto(this.tree, this.root);
    } catch {
      // the folder vanished or cannot be read: an empty index
    }
    this.version++;
    this.walkMs = performance.now() - t0;
  }

  /** Adds everything under the directory `dir` (whose absolute path is `abs`). */
  private async walkInto(dir: DirNode, abs: string): Promise<void> {
    const { entries } = await walkTree(abs, { slice: new TimeSlice(undefined, 10) });
    // entries are sorted: a directory comes before its contents
    for (const e of entries) {
      const path = join(dir.path, e.path);
      if (e.kind === 'dir') this.ensureDir(path);
      else this.setFile(path, e.size);
    }
  }

  get files(): number {
    return this.tree.count;
  }

  get bytes(): number {
    return this.tree.bytes;
  }

  /** The posix path of `abs` relative to the root; undefined outside it, for the root and inside `.git`. */
  relativePath(abs: string): string | undefined {
    const rel = relative(this.root, abs);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
    const parts = rel.split(sep);
    if (parts.includes('.git')) return undefined;
    return parts.join('/');
  }

  has(path: string): boolean {
    const slash = path.lastIndexOf('/');
    const dir = this.findDir(slash === -1 ? '' : path.slice(0, slash));
    return dir?.files.has(path.slice(slash + 1)) ?? false;
  }

  /**
   * Applies a file event (an absolute path). A created or changed path is looked at on disk
   * (a created directory is walked); a deleted one is removed with everything under it.
   * Resolves to whether the index changed.
   */
  async apply(abs: string, change: FileChange): Promise<boolean> {
    const path = this.relativePath(abs);
    if (path === undefined) return false;
    const before = this.version;
    if (change === 'deleted') {
      this.remove(path);
      return this.version !== before;
    }
    let st;
    try {
      st = lstatSync(resolve(this.root, path));
    } catch {
      this.remove(path);
      return this.version !== before;
    }
    if (st.isDirectory()) {
      if (this.findDir(path) && change === 'changed') return false;
      this.removeFile(path);
      const dir = this.ensureDir(path);
      await this.walkInto(dir, resolve(this.root, path));
      this.version++;
    } else if (st.isFile() || st.isSymbolicLink()) {
      this.removeDir(path);
      this.setFile(path, st.size);
    }
    return this.version !== before;
  }

  private findDir(path: string): DirNode | undefined {
    if (path === '') return this.tree;
    let node: DirNode | undefined = this.tree;
    for (const name of path.split('/')) {
      node = node.dirs.get(name);
      if (!node) return undefined;
    }
    return node;
  }

  private ensureDir(path: string): DirNode {
    if (path === '') return this.tree;
    let node = this.tree;
    for (const name of path.split('/')) {
      let next = node.dirs.get(name);
      if (!next) {
        if (node.files.has(name)) this.removeFile(join(node.path, name));
        next = newDir(join(node.path, name), node);
        node.dirs.set(name, next);
        this.version++;
      }
      node = next;
    }
    return node;
  }

  private setFile(path: string, size: number): void {
    const slash = path.lastIndexOf('/');
    const dir = this.ensureDir(slash === -1 ? '' : path.slice(0, slash));
    const name = path.slice(slash + 1);
    const old = dir.files.get(name);
    if (old === size) return;
    dir.files.set(name, size);
    for (let d: DirNode | null = dir; d; d = d.parent) {
      if (old === undefined) d.count++;
      d.bytes += size - (old ?? 0);
    }
    this.version++;
  }

  private remove(path: string): void {
    this.removeFile(path);
    this.removeDir(path);
  }

  private removeFile(path: string): void {
    const slash = path.lastIndexOf('/');
    const dir = this.findDir(slash === -1 ? '' : path.slice(0, slash));
    const name = path.slice(slash + 1);
    const size = dir?.files.get(name);
    if (!dir || size === undefined) return;
    dir.files.delete(name);
    for (let d: DirNode | null = dir; d; d = d.parent) {
      d.count--;
      d.bytes -= size;
    }
    this.version++;
  }

  private removeDir(path: string): void {
    const dir = this.findDir(path);
    if (!dir?.parent) return;
    dir.parent.dirs.delete(path.slice(path.lastIndexOf('/') + 1));
    for (let d: DirNode | null = dir.parent; d; d = d.parent) {
      d.count -= dir.count;
      d.bytes -= dir.bytes;
    }
    this.version++;
  }

  /**
   * What `rule` drops, in one walk, top-down (a dropped directory counts its whole subtree
   * without being visited): files and bytes, the directories dropped as a whole, up to
   * `examples` of the dropped paths (directories as "dir/"), and `fresh`: what of it the
   * `except` rules (the lines above a pattern) do not drop already. A rule's filter spares
   * asking its matcher about most paths; a subtree that `except` drops is never entered for it.
   */
  measure(rule: PathRule, opts: { except?: readonly PathRule[]; examples?: number } = {}): Measure {
    const except = opts.except ?? [];
    const max = opts.examples ?? 0;
    const r: Measure = { files: 0, bytes: 0, dirs: 0, fresh: { files: 0, bytes: 0 }, examples: [] };
    const segs: string[] = [];
    /** whether an `except` rule drops the path itself (its parents are known not to be dropped) */
    const excepted = (path: string, isDir: boolean): boolean => except.some((x) => x.filter.matches(segs, isDir) && safeIgnores(x.matcher, path, isDir));
    const addFresh = (d: DirNode): void => {
      for (const [name, sub] of d.dirs) {
        segs.push(name);
        if (!excepted(sub.path, true)) addFresh(sub);
        segs.pop();
      }
      for (const [name, size] of d.files) {
        segs.push(name);
        if (!excepted(join(d.path, name), false)) {
          r.fresh.files++;
          r.fresh.bytes += size;
        }
        segs.pop();
      }
    };
    /** `fresh`: no parent of `dir` is dropped by `except` (what is below can still be fresh) */
    const visit = (dir: DirNode, fresh: boolean): void => {
      for (const [name, d] of dir.dirs) {
        segs.push(name);
        if (rule.filter.matches(segs, true) && safeIgnores(rule.matcher, d.path, true)) {
          r.dirs++;
          r.files += d.count;
          r.bytes += d.bytes;
          if (r.examples.length < max) r.examples.push(`${d.path}/`);
          if (fresh && !excepted(d.path, true)) addFresh(d);
        } else if (rule.filter.enters(segs)) {
          visit(d, fresh && !excepted(d.path, true));
        }
        segs.pop();
      }
      for (const [name, size] of dir.files) {
        segs.push(name);
        const path = rule.filter.matches(segs, false) ? join(dir.path, name) : undefined;
        if (path !== undefined && safeIgnores(rule.matcher, path, false)) {
          r.files++;
          r.bytes += size;
          if (r.examples.length < max) r.examples.push(path);
          if (fresh && !excepted(path, false)) {
            r.fresh.files++;
            r.fresh.bytes += size;
          }
        }
        segs.pop();
      }
    };
    visit(this.tree, true);
    return r;
  }
}
