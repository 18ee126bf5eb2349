/** A chunk's tar bytes, read from the tree it was planned from, and its gzip member. */
import { closeSync, openSync, readSync } from 'node:fs';
import { CHUNK_BUFFERS, type BufferPool } from './buffer-pool';
import type { Chunk } from './chunk-plan';
import { gzipMember } from './gzip-member';
import { TAR_END, dataSize, paddedDataSize, writeHeader } from './tar-header';

/**
 * Renders `chunk` with contents read from `root` (a normalised absolute path), or taken from
 * `contents` (path → bytes) when the caller has them in hand already. Sizes come from the plan:
 * a file that has grown since is cut there, one that has shrunk is padded with zeros, so the
 * archive always stays well formed.
 */
export function renderChunk(chunk: Chunk, root: string, contents?: ReadonlyMap<string, Buffer>, pool?: BufferPool): Buffer {
  if (chunk.kind === 'end') return TAR_END;
  const buf = pool ? pool.take(chunk.bytes) : Buffer.allocUnsafe(chunk.bytes);
  let off = 0;
  if (chunk.kind === 'piece') {
    const { entry, index, count, from, to } = chunk;
    if (index === 0) off += writeHeader(entry, buf, off);
    off += readRange(`${root}/${entry.path}`, buf, off, to - from, from);
    if (index === count - 1) off = zero(buf, off, paddedDataSize(entry) - dataSize(entry));
  } else {
    for (const e of chunk.entries) {
      off += writeHeader(e, buf, off);
      const size = dataSize(e);
      if (size > 0) {
        const held = contents?.get(e.path);
        if (held && held.length === size) off += held.copy(buf, off);
        else off += readRange(`${root}/${e.path}`, buf, off, size, 0);
      }
      off = zero(buf, off, paddedDataSize(e) - size);
    }
  }
  if (off !== chunk.bytes) throw new Error(`internal: chunk rendered to ${off} bytes, planned ${chunk.bytes}`);
  return buf;
}

function zero(buf: Buffer, off: number, n: number): number {
  if (n > 0) buf.fill(0, off, off + n);
  return off + n;
}

/** Reads `length` bytes at `position`, zero-filling what the file no longer has; returns `length`. */
function readRange(file: string, buf: Buffer, off: number, length: number, position: number): number {
  const fd = openSync(file, 'r');
  let done = 0;
  try {
    while (done < length) {
      const n = readSync(fd, buf, off + done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  zero(buf, off + done, length - done);
  return length;
}

/** Renders and compresses a chunk (see renderChunk); the tar bytes go back to a pool after. */
export function compressChunk(chunk: Chunk, root: string, contents?: ReadonlyMap<string, Buffer>): Promise<Buffer> {
  const raw = renderChunk(chunk, root, contents, CHUNK_BUFFERS);
  return gzipMember(raw).finally(() => CHUNK_BUFFERS.give(raw));
}
