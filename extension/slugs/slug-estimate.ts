/**
 * The status bar's slug size, kept up to date cheaply.
 *
 * Method: the same computation as `predictSlugSize` (platform/slugs/size.ts) — walk the folder
 * with its `.slugignore`, cut the tar stream into the build's chunks (chunk-plan.ts), gzip each
 * chunk as the build does — but the compressed size of every chunk is remembered by its chunk
 * key (paths, sizes, mtimes, ctimes and inodes of its entries). A recomputation walks the tree
 * again (stat only) and compresses only the chunks whose files changed; a change touches one
 * chunk (boundaries follow paths, not offsets). So the figure is exact — byte for byte what
 * `slipway slug:size` says — and an update after an edit costs a walk plus one or two chunks.
 * The sizes are kept across sessions (workspace state), so reopening a folder costs a walk too.
 *
 * Runs on the extension host's event loop in time slices (file reads are synchronous and
 * short; gzip runs on the libuv threadpool, two chunks at a time) and stops at `signal`.
 */
import { resolve } from 'node:path';
import { chunkKey, planChunks, type Chunk } from '../../platform/slugs/chunk-plan';
import { compressChunk } from '../../platform/slugs/chunk-render';
import { topContributors, type Contributor } from '../../platform/slugs/contributors';
import { classify, type SlugClass } from '../../platform/slugs/size';
import { readSlugignoreFile } from '../../platform/slugs/slugignore-file';
import { TimeSlice } from '../../platform/slugs/time-slice';
import { walkTree } from '../../platform/slugs/tree';

export interface SlugEstimate {
  folder: string;
  bytes: number;
  class: SlugClass;
  top: Contributor[];
  files: number;
  chunks: number;
  /** chunks compressed by this run (the rest came from the previous runs) */
  compressed: number;
  ms: number;
}

const PARALLEL = 2;

export class SlugEstimator {
  /** chunk key → compressed bytes, for the chunks of the last completed run */
  private sizes: Map<string, number>;

  /** `known`: chunk sizes kept from an earlier session (see `known()`), so a reopened folder costs a walk. */
  constructor(
    readonly folder: string,
    known?: Record<string, number>,
  ) {
    this.sizes = new Map(Object.entries(known ?? {}));
  }

  /** The chunk sizes of the last run, to keep for the next session. */
  known(): Record<string, number> {
    return Object.fromEntries(this.sizes);
  }

  async estimate(signal?: AbortSignal): Promise<SlugEstimate> {
    const t0 = performance.now();
    const root = resolve(this.folder);
    const slice = new TimeSlice(signal);
    const { slugignore } = readSlugignoreFile(root);
    const { entries } = await walkTree(root, { ignore: slugignore, slice });
    const chunks = planChunks(entries);
    const keys = chunks.map(chunkKey);
    const sizes = new Array<number>(chunks.length);
    const next = new Map<string, number>();
    let compressed = 0;
    let at = 0;
    const worker = async (): Promise<void> => {
      while (at < chunks.length) {
        const i = at++;
        const known = this.sizes.get(keys[i]) ?? next.get(keys[i]);
        if (known !== undefined) sizes[i] = known;
        else {
          sizes[i] = (await compressChunk(chunks[i], root)).length;
          compressed++;
        }
        next.set(keys[i], sizes[i]);
        if (slice.due()) await slice.pause();
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    signal?.throwIfAborted();
    this.sizes = next;
    const contributions = new Map<string, number>();
    let bytes = 0;
    chunks.forEach((c, i) => {
      bytes += sizes[i];
      attribute(contributions, c, sizes[i]);
    });
    const files = entries.filter((e) => e.kind !== 'dir').length;
    return { folder: this.folder, bytes, class: classify(bytes), top: topContributors(contributions), files, chunks: chunks.length, compressed, ms: Math.round(performance.now() - t0) };
  }
}

/** Shares a chunk's compressed size among its files by their tar bytes (as a build reports it). */
function attribute(into: Map<string, number>, c: Chunk, compressed: number): void {
  if (c.kind === 'end') return;
  if (c.kind === 'piece') {
    into.set(c.entry.path, (into.get(c.entry.path) ?? 0) + compressed);
    return;
  }
  c.entries.forEach((e, i) => {
    if (e.kind === 'dir') return;
    into.set(e.path, (into.get(e.path) ?? 0) + (compressed * c.lengths[i]) / c.bytes);
  });
}
