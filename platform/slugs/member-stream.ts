/**
 * Produces a slug's gzip members in order: each chunk from the cache when its key is there,
 * otherwise rendered (main thread, synchronous reads) and compressed (threadpool).
 *
 * The chunks to compress are started first, as far ahead as WINDOW allows (members compressed
 * but not yet handed on), while cached members are read when their turn comes: in a rebuild,
 * the few changed chunks compress on the threadpool while the main thread copies the
 * unchanged members before them; in a cold build, reading the next chunks overlaps the
 * compression of the previous ones. Members go to `sink` strictly in order.
 */
import { resolve } from 'node:path';
import { CHUNK_BUFFERS } from './buffer-pool';
import { chunkKey, type Chunk } from './chunk-plan';
import type { ChunkCache } from './chunk-cache';
import { compressChunk } from './chunk-render';
import type { TimeSlice } from './time-slice';
import { attributeAll } from './contributors';

const WINDOW = 12;

export interface MemberStreamOptions {
  /** the tree the chunks were planned from */
  root: string;
  cache?: ChunkCache;
  /** the chunks' keys (chunkKey), when the caller has them already */
  keys?: readonly string[];
  /** receives each member, in order; it must not keep the buffer after returning */
  sink: (member: Buffer) => void;
  slice?: TimeSlice;
  signal?: AbortSignal;
  /**
   * The sizes of the first members, when the sink has them already (a slug started from an
   * earlier one's unchanged beginning, slug-file.ts): streaming starts after them.
   */
  written?: readonly number[];
}

export interface MemberStreamResult {
  /** compressed bytes in all */
  bytes: number;
  /**
   * estimated compressed bytes per entry path: a member's size shared by tar bytes. Worked out
   * on first read (a map of every path: milliseconds a build mostly has no use for).
   */
  readonly contributions: Map<string, number>;
  /** the cache keys of every member (for pruning) */
  keys: Set<string>;
  compressed: number;
  reused: number;
}

export async function streamMembers(chunks: readonly Chunk[], opts: MemberStreamOptions): Promise<MemberStreamResult> {
  const { cache } = opts;
  const root = resolve(opts.root);
  const sizes: number[] = [...(opts.written ?? [])];
  const start = sizes.length;
  let contributions: Map<string, number> | undefined;
  const result: MemberStreamResult = {
    bytes: sizes.reduce((a, b) => a + b, 0),
    get contributions() {
      return (contributions ??= attributeAll(chunks, sizes));
    },
    keys: new Set(),
    compressed: 0,
    reused: start,
  };
  const keys = cache ? (opts.keys ?? chunks.map(chunkKey)) : undefined;
  for (const key of keys ?? []) result.keys.add(key);
  // whether a chunk's member is in the cache (or being stored there), asked once a chunk
  const known: (boolean | undefined)[] = [];
  const isCached = (i: number): boolean => (known[i] ??= keys !== undefined && cache !== undefined && cache.has(keys[i]));

  const compress = (i: number): Promise<Buffer> => {
    result.compressed++;
    const member = compressChunk(chunks[i], root);
    if (!cache || !keys) return member;
    // a member is only handed on once it is stored, so a failed write fails the build
    return cache.put(keys[i], member).then(() => member);
  };
  const fromCache = async (i: number): Promise<Buffer> => {
    if (cache && keys) {
      const stored = await cache.read(keys[i], CHUNK_BUFFERS);
      if (stored) {
        result.reused++;
        return stored;
      }
    }
    return compress(i); // removed since `has` (by another process): compress it after all
  };

  // members being compressed (or compressed) and not handed on yet, by chunk index; `scan`
  // is the next chunk to consider: cached ones are skipped there, and read in their turn
  const started = new Map<number, Promise<Buffer>>();
  let scan = start;
  for (let i = start; i < chunks.length; i++) {
    while (scan < chunks.length && started.size < WINDOW) {
      if (!isCached(scan)) {
        const p = compress(scan);
        p.catch(() => undefined); // awaited below in order; never an unhandled rejection meanwhile
        started.set(scan, p);
        if (opts.slice?.due()) await opts.slice.pause();
      }
      scan++;
    }
    if (opts.slice?.due()) await opts.slice.pause(); // reading cached members is synchronous work
    opts.signal?.throwIfAborted();
    const member = await (started.get(i) ?? fromCache(i));
    started.delete(i);
    opts.sink(member);
    result.bytes += member.length;
    sizes.push(member.length);
    CHUNK_BUFFERS.give(member); // a cached member read into a pooled buffer: done with it
  }
  return result;
}
