/**
 * The largest contributors to a slug's size, for a user deciding what to drop: up to 10
 * paths, files or folders (a folder counts its subtree), largest first.
 *
 * Every file and folder is a candidate. Going down the list by size, a path is left out when
 * it would tell the reader nothing new:
 * - a folder whose listed descendants already account for 90% or more of it (so a folder and
 *   its only child are never both listed: the deepest of a chain of only children is shown,
 *   it names the thing), and
 * - a path that is 90% or more of a listed folder (the folder already says it).
 * A path that is a real part of a listed folder (node_modules, then node_modules/typescript)
 * is kept: that is how a user finds the one dependency to drop.
 */
import type { Chunk } from './chunk-plan';

export interface Contributor {
  path: string;
  bytes: number;
}

const REDUNDANT = 0.9;

interface Node {
  path: string;
  bytes: number;
  depth: number;
}

/**
 * `perPath`: bytes per file (no folders), best in path order (as a slug's members come; any
 * other order is sorted first).
 */
export function topContributors(perPath: ReadonlyMap<string, number>, limit = 10): Contributor[] {
  let files: [string, number][] = [];
  let sorted = true;
  for (const [path, bytes] of perPath) {
    if (path === '' || !(bytes > 0)) continue;
    if (sorted && files.length > 0 && !(files[files.length - 1][0] < path)) sorted = false;
    files.push([path, bytes]);
  }
  if (!sorted) files = files.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

  // Folder sizes in one pass: in path order, everything inside a folder is contiguous, so a
  // stack of the open folders is enough (no per-ancestor string work for every file).
  const nodes: Node[] = [];
  const open: Node[] = [];
  for (const [path, bytes] of files) {
    while (open.length > 0 && !isUnder(path, open[open.length - 1].path)) nodes.push(open.pop() as Node);
    let from = open.length === 0 ? 0 : open[open.length - 1].path.length + 1;
    for (let slash = path.indexOf('/', from); slash >= 0; slash = path.indexOf('/', from)) {
      open.push({ path: path.slice(0, slash), bytes: 0, depth: open.length });
      from = slash + 1;
    }
    for (const dir of open) dir.bytes += bytes;
    nodes.push({ path, bytes, depth: open.length });
  }
  nodes.push(...open);

  // Candidates go largest first, and picking stops at `limit`, usually a few dozen down the
  // list: so only the largest `want` nodes are sorted (one comparison for most of the others),
  // and more only when picking got through all of them.
  for (let want = 4 * limit; ; want *= 4) {
    const picked = pick(largest(nodes, want), limit);
    if (picked.length >= limit || want >= nodes.length) {
      return picked
        .map((c) => ({ path: c.path, bytes: Math.round(c.bytes) }))
        .sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    }
  }
}

/** Largest first; among equals the deepest, then by path: a total order. */
const byContribution = (a: Node, b: Node): number => b.bytes - a.bytes || b.depth - a.depth || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** The first `n` of `nodes` in `byContribution` order (the head of the sorted list). */
function largest(nodes: readonly Node[], n: number): Node[] {
  if (n >= nodes.length) return [...nodes].sort(byContribution);
  const head: Node[] = [];
  for (const node of nodes) {
    if (head.length === n && byContribution(node, head[n - 1]) >= 0) continue;
    let lo = 0;
    let hi = head.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (byContribution(head[mid], node) <= 0) lo = mid + 1;
      else hi = mid;
    }
    head.splice(lo, 0, node);
    if (head.length > n) head.pop();
  }
  return head;
}

const isUnder = (p: string, dir: string): boolean => p.length > dir.length && p.charCodeAt(dir.length) === 0x2f && p.startsWith(dir);

/** Goes down `candidates` (sorted) and keeps what tells the reader something new (see the top). */
function pick(candidates: readonly Node[], limit: number): Node[] {
  const picked: Node[] = [];
  for (const c of candidates) {
    if (picked.length >= limit) break;
    if (picked.some((a) => isUnder(c.path, a.path) && c.bytes >= REDUNDANT * a.bytes)) continue;
    // the listed descendants of `c` that are not inside another listed descendant
    const inside = picked.filter((d) => isUnder(d.path, c.path));
    const outermost = inside.filter((d) => !inside.some((o) => o !== d && isUnder(d.path, o.path)));
    const covered = outermost.reduce((sum, d) => sum + d.bytes, 0);
    if (covered >= REDUNDANT * c.bytes) continue;
    picked.push(c);
  }
  return picked;
}

/**
 * Estimated compressed bytes per path: each member's size shared among its files and links by
 * their uncompressed tar bytes (a folder's size is its contents'). The build and the estimate
 * (shared/slug-estimate.ts) both report with it, so they cannot disagree.
 */
export function attributeAll(chunks: readonly Chunk[], sizes: readonly number[]): Map<string, number> {
  const into = new Map<string, number>();
  for (let i = 0; i < sizes.length; i++) attribute(into, chunks[i], sizes[i]);
  return into;
}

function attribute(into: Map<string, number>, c: Chunk, compressed: number): void {
  if (c.kind === 'end') return;
  if (c.kind === 'piece') {
    into.set(c.entry.path, (into.get(c.entry.path) ?? 0) + compressed);
    return;
  }
  // a file or link is in one run only (pieces are for big files alone): no sum needed
  const share = compressed / c.bytes;
  const { entries, lengths } = c;
  for (let i = 0; i < entries.length; i++) {
    if (entries[i].kind !== 'dir') into.set(entries[i].path, share * lengths[i]);
  }
}
