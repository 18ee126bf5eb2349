/**
 * Produces a slug's gzip members in order: each chunk from the cache when its key is there,
 * otherwise rendered (main thread, synchronous reads) and compressed (threadpool). Up to
 * WINDOW chunks are under way at once, so reading the next chunks overlaps the compression of
 * the previous ones, while members are handed to `sink` strictly in order.
 */
import { resolve } from 'node:path';
import { CHUNK_BUFFERS } from './buffer-pool';
import { chunkKey, type Chunk } from './chunk-plan';
import type { ChunkCache } from './chunk-cache';
import { compressChunk } from './chunk-render';
import type { TimeSlice } from './time-slice';

const WINDOW = 12;

export interface MemberStreamOptions {
  /** the tree the chunks were planned from */
  root: string;
  cache?: ChunkCache;
  /** receives each member, in order; it must not keep the buffer after returning */
  sink: (member: Buffer) => void;
  slice?: TimeSlice;
  signal?: AbortSignal;
}

export interface MemberStreamResult {
  /** compressed bytes in all */
  bytes: number;
  /** estimated compressed bytes per entry path: a member's size shared by tar bytes */
  contributions: Map<string, number>;
  /** the cache keys of every member (for pruning) */
  keys: Set<string>;
  compressed: number;
  reused: number;
}

export async function streamMembers(chunks: readonly Chunk[], opts: MemberStreamOptions): Promise<MemberStreamResult> {
  const { cache } = opts;
  const root = resolve(opts.root);
  const result: MemberStreamResult = { bytes: 0, contributions: new Map(), keys: new Set(), compressed: 0, reused: 0 };

  const produce = async (c: Chunk): Promise<Buffer> => {
    if (cache) {
      const key = chunkKey(c);
      result.keys.add(key);
      if (cache.has(key)) {
        const stored = await cache.read(key, CHUNK_BUFFERS);
        if (stored) {
          result.reused++;
          return stored;
        }
      }
      const member = compressChunk(c, root);
      result.compressed++;
      await cache.put(key, member);
      return member;
    }
    result.compressed++;
    return compressChunk(c, root);
  };

  const started = new Map<number, Promise<Buffer>>();
  let next = 0;
  for (let i = 0; i < chunks.length; i++) {
    while (next < chunks.length && next < i + WINDOW) {
      const p = produce(chunks[next]);
      p.catch(() => undefined); // awaited below in order; never an unhandled rejection meanwhile
      started.set(next++, p);
      if (opts.slice?.due()) await opts.slice.pause();
    }
    opts.signal?.throwIfAborted();
    const member = await (started.get(i) as Promise<Buffer>);
    started.delete(i);
    opts.sink(member);
    result.bytes += member.length;
    attribute(result.contributions, chunks[i], member.length);
    CHUNK_BUFFERS.give(member); // a cached member read into a pooled buffer: done with it
  }
  return result;
}

/** Shares a member's compressed size among its files and links by their uncompressed tar bytes. */
function attribute(into: Map<string, number>, c: Chunk, compressed: number): void {
  if (c.kind === 'end') return;
  if (c.kind === 'piece') {
    into.set(c.entry.path, (into.get(c.entry.path) ?? 0) + compressed);
    return;
  }
  c.entries.forEach((e, i) => {
    if (e.kind === 'dir') return; // a folder's size is its contents'
    into.set(e.path, (into.get(e.path) ?? 0) + (compressed * c.lengths[i]) / c.bytes);
  });
}
