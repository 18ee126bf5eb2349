/**
 * The per-app cache of compressed chunks: `DIR/<key>.gz`, one gzip member per file, keyed by
 * `chunkKey` (the identities of the chunk's entries, see chunk-plan.ts). Files are
 * written to a temporary name and renamed, so a crash never leaves a torn member under a key.
 * After a successful build, `prune` keeps exactly the members that build used.
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BufferPool } from './buffer-pool';

export class ChunkCache {
  private readonly pending = new Map<string, Promise<void>>();
  private seq = 0;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private file(key: string): string {
    return join(this.dir, `${key}.gz`);
  }

  /** Whether a member for `key` is stored or being stored. */
  has(key: string): boolean {
    return this.pending.has(key) || existsSync(this.file(key));
  }

  /** Waits until at most `n` members are in flight (rejects if one of them failed). */
  async settleTo(n: number): Promise<void> {
    while (this.pending.size > n) await Promise.race(this.pending.values());
  }

  /** Stores the member `member` will give; resolves once it is on disk. */
  put(key: string, member: Promise<Buffer>): Promise<void> {
    const tmp = join(this.dir, `.tmp-${process.pid}-${++this.seq}`);
    const stored = member.then((buf) => {
      writeFileSync(tmp, buf);
      renameSync(tmp, this.file(key));
    });
    const tracked = stored.finally(() => this.pending.delete(key));
    tracked.catch(() => rmSync(tmp, { force: true }));
    this.pending.set(key, tracked);
    return tracked;
  }

  /** The stored member (in a buffer from `pool`, when given), or undefined when there is none. */
  async read(key: string, pool?: BufferPool): Promise<Buffer | undefined> {
    const p = this.pending.get(key);
    if (p) await p;
    let fd: number;
    try {
      fd = openSync(this.file(key), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const size = fstatSync(fd).size;
      const buf = pool ? pool.take(size) : Buffer.allocUnsafe(size);
      let done = 0;
      while (done < size) {
        const n = readSync(fd, buf, done, size - done, done);
        if (n === 0) throw new Error(`${this.file(key)}: shorter than its size`);
        done += n;
      }
      return buf;
    } finally {
      closeSync(fd);
    }
  }

  /** Removes every member whose key is not in `keep` (and leftovers of interrupted writes). */
  prune(keep: ReadonlySet<string>): number {
    let removed = 0;
    for (const name of readdirSync(this.dir)) {
      if (name.endsWith('.gz') && keep.has(name.slice(0, -3))) continue;
      if (name.startsWith('.tmp-') && this.pending.size > 0) continue;
      rmSync(join(this.dir, name), { force: true, recursive: true });
      removed++;
    }
    return removed;
  }

  /** Waits for every member in flight, ignoring failures (before cleaning up after an error). */
  async quiesce(): Promise<void> {
    await Promise.allSettled([...this.pending.values()]);
  }
}
