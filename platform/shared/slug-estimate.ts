/**
 * The slug size a folder would have before any build step, the one estimate that `slipway
 * slug:size`, the editor's status bar and its "Analyze Slug Size" all call.
 *
 * Method: the build's own computation — walk the folder with its `.slugignore`, cut the tar
 * stream into the build's chunks (slugs/chunk-plan.ts), gzip each chunk as the build does, and
 * share each member among its files as the build reports it (slugs/contributors.ts) — with the
 * compressed size of every chunk remembered by its chunk key (paths, sizes, mtimes, ctimes and inodes of its entries). A recomputation walks the tree
 * again (stat only) and compresses only the chunks whose files changed; a change touches one
 * chunk (boundaries follow paths, not offsets). So the figure is exact — byte for byte what
 * `slipway slug:size` says — and an update after an edit costs a walk plus one or two chunks.
 * The sizes are kept across sessions (workspace state), so reopening a folder costs a walk too.
 *
 * Runs on the extension host's event loop in time slices (file reads are synchronous and
 * short; gzip runs on the libuv threadpool, two chunks at a time) and stops at `signal`.
 */
import { resolve } from 'node:path';
import { chunkKey, planChunks } from '../slugs/chunk-plan';
import { compressChunk } from '../slugs/chunk-render';
import { attributeAll, topContributors, type Contributor } from '../slugs/contributors';
import { readSlugignoreFile } from '../slugs/slugignore-file';
import { TimeSlice } from '../slugs/time-slice';
import { walkTree } from '../slugs/tree';
import { classify, type SlugClass } from './size';

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
    const bytes = sizes.reduce((a, b) => a + b, 0);
    const files = entries.filter((e) => e.kind !== 'dir').length;
    return { folder: this.folder, bytes, class: classify(bytes), top: topContributors(attributeAll(chunks, sizes)), files, chunks: chunks.length, compressed, ms: Math.round(performance.now() - t0) };
  }
}

/** The predicted size of `dir`, with its largest contributors (no cache kept between calls). */
export async function predictSlugSize(dir: string, signal?: AbortSignal): Promise<SlugEstimate> {
  return new SlugEstimator(dir).estimate(signal);
}
