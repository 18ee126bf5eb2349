/**
 * The last slug built in each work dir, member by member: where each member ends and the
 * SHA-256 state there. A rebuild whose first members are the same (same chunk keys) starts its
 * slug from that slug's beginning (slug-file.ts: copied by the kernel, not hashed again) and
 * streams only the members after it. Kept in memory: after a platform restart the first
 * rebuild writes everything, as before.
 */
import { statSync } from 'node:fs';
import type { Hash } from 'node:crypto';
import type { SlugPrefix } from './slug-file';

export interface SlugRecord {
  path: string;
  /** the chunk key of each member */
  keys: readonly string[];
  /** each member's size */
  sizes: readonly number[];
  /** the SHA-256 state after each member */
  hashes: readonly Hash[];
}

export interface SlugStart {
  prefix: SlugPrefix;
  /** the sizes of the members the prefix holds */
  written: number[];
  /** the SHA-256 state after each of them */
  hashes: Hash[];
}

export class SlugHistory {
  private readonly last = new Map<string, SlugRecord>();

  /** Where a slug of members `keys` can start: the longest run of first members the last slug shares, if any. */
  start(workDir: string, keys: readonly string[]): SlugStart | undefined {
    const rec = this.last.get(workDir);
    if (!rec) return undefined;
    let n = 0;
    while (n < keys.length && n < rec.keys.length && keys[n] === rec.keys[n]) n++;
    if (n === 0) return undefined;
    const written = rec.sizes.slice(0, n);
    const bytes = written.reduce((a, b) => a + b, 0);
    const total = rec.sizes.reduce((a, b) => a + b, 0);
    try {
      // the file must still be the slug recorded (not removed, not another one)
      if (statSync(rec.path).size !== total) return undefined;
    } catch {
      return undefined;
    }
    return { prefix: { path: rec.path, bytes, hash: rec.hashes[n - 1] }, written, hashes: rec.hashes.slice(0, n) };
  }

  record(workDir: string, rec: SlugRecord): void {
    this.last.set(workDir, rec);
  }

  forget(workDir: string): void {
    this.last.delete(workDir);
  }
}
