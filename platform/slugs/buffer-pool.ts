/**
 * Reusable buffers for the bytes that pass through the main thread by the megabyte: a chunk's
 * tar bytes (until its member is compressed) and cached members (until they are written).
 * Allocating each afresh keeps the garbage collector busy on the main thread.
 */
export class BufferPool {
  private readonly free: ArrayBuffer[] = [];
  private readonly issued = new WeakSet<ArrayBuffer>();

  constructor(
    readonly size: number,
    private readonly keep: number,
  ) {}

  /** A buffer of `n` bytes (contents undefined); pooled when `n` fits. */
  take(n: number): Buffer {
    if (n > this.size) return Buffer.allocUnsafe(n);
    const ab = this.free.pop() ?? new ArrayBuffer(this.size);
    this.issued.add(ab);
    return Buffer.from(ab, 0, n);
  }

  /** Returns a buffer (any buffer: only those from `take` are kept) once nothing reads it any more. */
  give(b: Buffer): void {
    const ab = b.buffer;
    if (!(ab instanceof ArrayBuffer) || !this.issued.has(ab)) return;
    this.issued.delete(ab);
    if (this.free.length < this.keep) this.free.push(ab);
  }
}

/** Chunks hold at most MAX_CHUNK_BYTES plus one file below BIG_FILE: 4 MiB buffers fit them. */
export const CHUNK_BUFFERS = new BufferPool(4 * 1024 * 1024, 16);
