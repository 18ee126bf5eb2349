/**
 * Writes a slug into the slugs dir, content-addressed: the bytes go to a temporary name while
 * they are hashed (SHA-256), and the file is renamed to `<sha256>.tar.gz` once complete.
 * Abandoning removes the temporary file, so a failed build leaves nothing behind.
 *
 * No fsync: a slug can always be built again from its source, and a release that outlived a
 * power cut with a torn slug is found by its hash.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class SlugFileWriter {
  private readonly hash = createHash('sha256');
  private readonly tmp: string;
  private fd: number | undefined;
  private written = 0;

  constructor(private readonly slugsDir: string) {
    mkdirSync(slugsDir, { recursive: true });
    this.tmp = join(slugsDir, `.building-${process.pid}-${randomBytes(6).toString('hex')}.partial`);
    this.fd = openSync(this.tmp, 'wx', 0o644);
  }

  get size(): number {
    return this.written;
  }

  write(data: Buffer): void {
    if (this.fd === undefined) throw new Error('internal: slug file already closed');
    this.hash.update(data);
    let off = 0;
    while (off < data.length) off += writeSync(this.fd, data, off, data.length - off);
    this.written += data.length;
  }

  /** Closes and renames the slug to SLUGSDIR/<sha256>.tar.gz. */
  finish(): { id: string; size: number; path: string } {
    if (this.fd === undefined) throw new Error('internal: slug file already closed');
    closeSync(this.fd);
    this.fd = undefined;
    const id = this.hash.digest('hex');
    const path = join(this.slugsDir, `${id}.tar.gz`);
    renameSync(this.tmp, path);
    return { id, size: this.written, path };
  }

  /** Removes the unfinished file (safe to call at any time, more than once). */
  abandon(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.tmp, { force: true });
  }
}
