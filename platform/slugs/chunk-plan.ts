/**
 * How a slug's tar stream is cut into chunks, each compressed as its own gzip member.
 *
 * A .tar.gz may be several gzip members one after the other (RFC 1952; gzip, GNU tar and
 * node's zlib read them as one stream), so chunks compress in parallel and an unchanged chunk
 * is taken from the per-app cache instead of being compressed again.
 *
 * Boundaries depend on paths, not on positions: a chunk ends after an entry whose path hashes
 * to 0 mod CUT_MODULUS (so about CUT_MODULUS entries a chunk), or once it holds MAX_CHUNK_BYTES.
 * A changed, added or removed file therefore changes its own chunk only (the size cap can move
 * later boundaries, up to the next hash cut). A file of BIG_FILE bytes or more is isolated in
 * chunks of its own, cut every PIECE_BYTES of content, so that one large asset neither
 * invalidates its neighbours nor serialises the compression.
 *
 * Chunking is a pure function of the entries, so the slug stays deterministic: the same tree
 * gives the same members whatever the cache held.
 */
import { createHash } from 'node:crypto';
import { ROOT_ENTRY, dataSize, headerLength, paddedDataSize } from './tar-header';
import type { TreeEntry } from './tree';
import { MEMBER_FORMAT } from './gzip-member';

export const CUT_MODULUS = 128;
export const MAX_CHUNK_BYTES = 2 * 1024 * 1024;
export const BIG_FILE = 1024 * 1024;
export const PIECE_BYTES = 1024 * 1024;

/** A run of whole entries (headers, contents, padding). */
export interface EntriesChunk {
  kind: 'entries';
  entries: TreeEntry[];
  /** each entry's tar bytes (header, content, padding) */
  lengths: number[];
  /** uncompressed tar bytes */
  bytes: number;
}

/** Part of one big file: its header in the first piece, content [from, to), padding in the last. */
export interface PieceChunk {
  kind: 'piece';
  entry: TreeEntry;
  index: number;
  count: number;
  from: number;
  to: number;
  bytes: number;
}

/** The two zero blocks that end the archive. */
export interface EndChunk {
  kind: 'end';
  bytes: number;
}

export type Chunk = EntriesChunk | PieceChunk | EndChunk;

/** FNV-1a, 32 bits, over UTF-16 code units: cheap and stable across runs and machines. */
export function pathHash(s: string): number {
  return fnv(0x811c9dc5, s) >>> 0;
}

function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

/** `pathHash(entryKey(e))`, without building a directory's key. */
const keyHash = (e: TreeEntry): number => (e.kind === 'dir' ? Math.imul(fnv(0x811c9dc5, e.path) ^ 0x2f, 0x01000193) : fnv(0x811c9dc5, e.path)) >>> 0;

/** Chunks for `entries` (sorted by entryKey, without the root, which is added), end chunk last. */
export function planChunks(entries: readonly TreeEntry[]): Chunk[] {
  const chunks: Chunk[] = [];
  let run: TreeEntry[] = [ROOT_ENTRY];
  let lengths: number[] = [headerLength(ROOT_ENTRY)];
  let bytes = lengths[0];
  const close = (): void => {
    if (run.length === 0) return;
    chunks.push({ kind: 'entries', entries: run, lengths, bytes });
    run = [];
    lengths = [];
    bytes = 0;
  };
  for (const e of entries) {
    const header = headerLength(e);
    if (e.kind === 'file' && e.size >= BIG_FILE) {
      close();
      chunks.push(...pieces(e, header));
      continue;
    }
    const length = header + paddedDataSize(e);
    run.push(e);
    lengths.push(length);
    bytes += length;
    if (keyHash(e) % CUT_MODULUS === 0 || bytes >= MAX_CHUNK_BYTES) close();
  }
  close();
  chunks.push({ kind: 'end', bytes: 1024 });
  return chunks;
}

function pieces(e: TreeEntry, header: number): PieceChunk[] {
  const size = dataSize(e);
  const padding = paddedDataSize(e) - size;
  const count = Math.ceil(size / PIECE_BYTES);
  const out: PieceChunk[] = [];
  for (let index = 0; index < count; index++) {
    const from = index * PIECE_BYTES;
    const to = Math.min(size, from + PIECE_BYTES);
    const bytes = (index === 0 ? header : 0) + (to - from) + (index === count - 1 ? padding : 0);
    out.push({ kind: 'piece', entry: e, index, count, from, to, bytes });
  }
  return out;
}

/** The entries a chunk holds, whole or in part. */
export function chunkEntries(c: Chunk): TreeEntry[] {
  return c.kind === 'entries' ? c.entries : c.kind === 'piece' ? [c.entry] : [];
}

/** Anything that changes the bytes of a member changes this: the layout, zlib, the compression. */
const FORMAT = `slipway-slug-v2 zlib=${process.versions.zlib} ${MEMBER_FORMAT} piece=${PIECE_BYTES}`;

const KIND_CODE = { dir: 0, file: 1, symlink: 2 } as const;
const NUMBERS = 6;

/**
 * The cache key of a chunk: its position-independent identity, from the entries' path, kind,
 * size, mode, mtime, ctime, inode and link target as found in the tree the slug is made from
 * (the build dir, or the source when the build runs no program). ctime changes on every write,
 * even one that puts the mtime back, so an edit can not hide. Directories are keyed by path
 * only (their tar header has nothing else).
 *
 * Hashed as two updates a chunk (it runs for every chunk of every build, rebuilds included):
 * the paths and link targets, each ended by NUL (which no path holds), then the numbers as
 * float64 (what lstat gives, exactly), NUMBERS of them an entry; the entry count comes first.
 */
export function chunkKey(c: Chunk): string {
  const h = createHash('sha256');
  if (c.kind === 'end') return h.update(`${FORMAT}\nend`).digest('hex');
  const entries = chunkEntries(c);
  let text = `${FORMAT}\n${c.kind === 'piece' ? `piece ${c.index}/${c.count} ${c.from}-${c.to}` : 'entries'} ${entries.length}\n`;
  const numbers = new Float64Array(entries.length * NUMBERS);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    text += e.kind === 'dir' ? `${e.path}\0\0` : `${e.path}\0${e.target ?? ''}\0`;
    if (e.kind === 'dir') {
      numbers[i * NUMBERS] = KIND_CODE.dir;
      continue;
    }
    numbers[i * NUMBERS] = KIND_CODE[e.kind];
    numbers[i * NUMBERS + 1] = e.size;
    numbers[i * NUMBERS + 2] = e.mode;
    numbers[i * NUMBERS + 3] = e.mtimeMs;
    numbers[i * NUMBERS + 4] = e.ctimeMs;
    numbers[i * NUMBERS + 5] = e.ino;
  }
  return h.update(text).update(numbers).digest('hex');
}
