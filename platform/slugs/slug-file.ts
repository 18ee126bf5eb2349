/**
 * Writes a slug into the slugs dir, content-addressed: the bytes go to a temporary name while
 * they are hashed (SHA-256), and the file is renamed to `<sha256>.tar.gz` once complete.
 * Abandoning removes the temporary file, so a failed build leaves nothing behind.
 *
 * No fsync: a slug can always be built again from its source, and a release that outlived a
 * power cut with a torn slug is found by its hash.
 *
 * A slug can start from the beginning of an earlier one (`prefix`: its first `bytes`, and the
 * SHA-256 state after them, from `mark()`): those bytes are copied by the kernel and not hashed
 * again. The result is the same file, byte for byte, as writing them.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { closeSync, constants, copyFileSync, mkdirSync, openSync, renameSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface SlugPrefix {
  /** an earlier slug whose first `bytes` are this one's */
  path: string;
  bytes: number;
  /** the SHA-256 state after those bytes (`mark()` of the writer that wrote them) */
  hash: Hash;
}

export class SlugFileWriter {
  private readonly hash: Hash;
  private readonly tmp: string;
  private fd: number | undefined;
  private written = 0;

  constructor(
    private readonly slugsDir: string,
    prefix?: SlugPrefix,
  ) {
    mkdirSync(slugsDir, { recursive: true });
    this.tmp = join(slugsDir, `.building-${process.pid}-${randomBytes(6).toString('hex')}.partial`);
    if (prefix) {
      try {
        copyFileSync(prefix.path, this.tmp, constants.COPYFILE_EXCL);
        truncateSync(this.tmp, prefix.bytes);
        this.fd = openSync(this.tmp, 'a');
      } catch (err) {
        rmSync(this.tmp, { force: true });
        throw err;
      }
      this.hash = prefix.hash.copy();
      this.written = prefix.bytes;
    } else {
      this.fd = openSync(this.tmp, 'wx', 0o644);
      this.hash = createHash('sha256');
    }
  }

  /** The SHA-256 state after what is written so far (a later slug's `prefix.hash`). */
  mark(): Hash {
    return this.hash.copy();
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
