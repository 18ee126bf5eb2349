/**
 * One app's log history: the lines on disk plus the ones not written yet.
 *
 * Files: `log.N.ndjson` in the app's log directory (N counts up), NDJSON of LogLine (see
 * line-codec.ts). Lines are appended to the newest file, the current segment; once it holds
 * `segmentLines` (historyLines / 2, rounded up) lines the next write starts segment N+1, and
 * only the two newest full segments are kept besides the current one. So after the first
 * historyLines lines the disk holds between historyLines and 1.5 × historyLines of them.
 *
 * Writes are batched: appended lines wait in memory for at most `flushMs` (or until the
 * write in progress ends) and go to disk in one write(2) per batch (a batch is at most 1 MiB
 * and never crosses a segment). A line handed to write(2) survives a kill -9 of the platform;
 * so a crash loses at most the lines of the last `flushMs` plus a batch being written.
 * If a write fails, the lines stay in memory (at most ~historyLines of them, the oldest
 * dropped beyond that) and the write is retried every RETRY_MS.
 *
 * A reader sees the written bytes of each file (never a write in progress) plus the lines
 * in memory, taken at one instant, so it neither misses nor repeats a line. A torn last line
 * (a crash in the middle of a write) is ignored by readers and cut off before the next write.
 */
import { mkdir, open, readdir, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { LineMatcher } from './filter';
import type { LogLine } from '../shared/log-line';
import { decodeLine, encodeLine } from './line-codec';
import { countLines, errorCode, linesBackward } from './segment-file';

const SEGMENT = /^log\.(\d+)\.ndjson$/;
const segmentName = (seq: number) => `log.${String(seq).padStart(8, '0')}.ndjson`;

/** Full segments kept besides the current one. */
const KEEP_SEALED = 2;
const MAX_BATCH_BYTES = 1024 * 1024;
export const RETRY_MS = 1000;

interface Segment {
  seq: number;
  /** Bytes of complete lines: what readers may read. */
  bytes: number;
}

export interface AppLogOptions {
  dir: string;
  historyLines: number;
  flushMs: number;
  /** Settles when an earlier removal of this app's files is done; nothing is read before. */
  after?: Promise<void>;
  onError: (err: unknown) => void;
}

export class AppLog {
  private readonly dir: string;
  private readonly historyLines: number;
  private readonly segmentLines: number;
  private readonly flushMs: number;
  private readonly onError: (err: unknown) => void;
  private readonly loaded: Promise<void>;

  /** Full segments, oldest first. */
  private sealed: Segment[] = [];
  private current: Segment & { lines: number } = { seq: 1, bytes: 0, lines: 0 };
  /** Appended, not yet handed to a write. */
  private pending: LogLine[] = [];
  /** Being written. */
  private inflight: LogLine[] = [];
  private fh: FileHandle | null = null;
  private writing: Promise<boolean> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private lastError: unknown = null;
  private droppedUnwritten = 0;

  constructor(opts: AppLogOptions) {
    this.dir = opts.dir;
    this.historyLines = opts.historyLines;
    this.segmentLines = Math.max(1, Math.ceil(opts.historyLines / 2));
    this.flushMs = opts.flushMs;
    this.onError = opts.onError;
    this.loaded = (opts.after ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => this.load())
      .catch((err: unknown) => this.onError(err));
  }

  /** Queues a line for disk; synchronous, O(1) amortized. */
  append(line: LogLine): void {
    this.pending.push(line);
    // The disk is stuck: lines older than the history would be rotated away anyway.
    if (this.pending.length > this.historyLines + Math.max(1000, this.historyLines >> 2)) {
      const drop = this.pending.length - this.historyLines;
      this.pending.splice(0, drop);
      this.droppedUnwritten += drop;
      this.onError(new Error(`log history could not be written; ${this.droppedUnwritten} oldest unwritten lines dropped so far`));
    }
    this.schedule(this.lastError ? RETRY_MS : this.flushMs);
  }

  /** Resolves once every line appended before the call is on disk; rejects if a write fails. */
  async flush(): Promise<void> {
    for (;;) {
      const w = this.writing;
      if (w) {
        if (!(await w)) throw asError(this.lastError);
        continue;
      }
      if (this.pending.length === 0) return;
      this.cancelTimer();
      void this.kick();
    }
  }

  /** Flushes, then releases the file. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.closed = true;
      this.cancelTimer();
      await this.closeHandle();
    }
  }

  /** Stops writing and forgets unwritten lines (the app is being removed). */
  async dispose(): Promise<void> {
    this.closed = true;
    this.cancelTimer();
    this.pending = [];
    if (this.writing) await this.writing;
    this.pending = [];
    await this.closeHandle();
  }

  /**
   * The last `n` lines that `match`, oldest first, among the last `maxScan` lines.
   */
  async read(match: LineMatcher, n: number, maxScan: number): Promise<LogLine[]> {
    await this.loaded;
    // One instant: written bytes of each file, and what is not written yet.
    const memory = this.inflight.length > 0 ? this.inflight.concat(this.pending) : this.pending.slice();
    const files = [this.current, ...this.sealed.slice(-KEEP_SEALED).reverse()]
      .filter((s) => s.bytes > 0)
      .map((s) => ({ path: join(this.dir, segmentName(s.seq)), bytes: s.bytes }));

    const out: LogLine[] = [];
    let scanned = 0;
    const take = (l: LogLine): boolean => {
      scanned++;
      if (match(l)) out.push(l);
      return out.length >= n || scanned >= maxScan;
    };
    let done = false;
    for (let i = memory.length - 1; i >= 0 && !done; i--) done = take(memory[i]);
    for (const f of files) {
      if (done) break;
      for await (const lines of linesBackward(f.path, f.bytes)) {
        for (const text of lines) {
          const l = decodeLine(text);
          if (l && take(l)) {
            done = true;
            break;
          }
        }
        if (done) break;
      }
    }
    return out.reverse();
  }

  private async load(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err;
      names = [];
    }
    const seqs = names
      .map((n) => SEGMENT.exec(n))
      .filter((m) => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    const last = seqs.pop();
    if (last === undefined) {
      this.sealed = [];
      this.current = { seq: 1, bytes: 0, lines: 0 };
      return;
    }
    const sealed: Segment[] = [];
    for (const seq of seqs) {
      try {
        sealed.push({ seq, bytes: (await stat(join(this.dir, segmentName(seq)))).size });
      } catch (err) {
        if (errorCode(err) !== 'ENOENT') throw err;
      }
    }
    const { lines, bytes } = await countLines(join(this.dir, segmentName(last)));
    this.sealed = sealed;
    this.current = { seq: last, bytes, lines };
  }

  private schedule(delay: number): void {
    if (this.timer || this.writing || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.kick();
    }, delay);
    this.timer.unref();
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private kick(): Promise<boolean> {
    this.writing ??= this.writePending().then((ok) => {
      this.writing = null;
      if (this.pending.length > 0) this.schedule(ok ? this.flushMs : RETRY_MS);
      return ok;
    });
    return this.writing;
  }

  /** Writes batches until nothing is pending. Never rejects: false when a write failed. */
  private async writePending(): Promise<boolean> {
    try {
      await this.loaded;
      while (this.pending.length > 0) {
        const fh = this.fh ?? (await this.openForAppend());
        if (this.current.lines >= this.segmentLines) {
          await this.rotate();
          continue;
        }
        const room = this.segmentLines - this.current.lines;
        const parts: string[] = [];
        let chars = 0;
        while (parts.length < room && parts.length < this.pending.length && chars < MAX_BATCH_BYTES) {
          const s = encodeLine(this.pending[parts.length]);
          parts.push(s);
          chars += s.length;
        }
        this.inflight = this.pending.splice(0, parts.length);
        const buf = Buffer.from(parts.join(''), 'utf8');
        for (let off = 0; off < buf.length; ) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
        // Now on disk: readers find these lines in the file, no longer in memory.
        this.current.lines += this.inflight.length;
        this.current.bytes += buf.length;
        this.inflight = [];
      }
      this.lastError = null;
      return true;
    } catch (err) {
      if (this.inflight.length > 0 && !this.closed) this.pending = this.inflight.concat(this.pending);
      this.inflight = [];
      await this.closeHandle(); // the next attempt reloads, cutting off any torn line
      this.lastError = err;
      this.onError(err);
      return false;
    }
  }

  private async openForAppend(): Promise<FileHandle> {
    await this.load();
    await mkdir(this.dir, { recursive: true });
    while (this.sealed.length > KEEP_SEALED) {
      const old = this.sealed.shift();
      if (old) await unlinkQuiet(join(this.dir, segmentName(old.seq)));
    }
    this.fh = await openSegment(join(this.dir, segmentName(this.current.seq)), this.current.bytes);
    return this.fh;
  }

  private async rotate(): Promise<void> {
    await this.closeHandle();
    this.sealed.push({ seq: this.current.seq, bytes: this.current.bytes });
    this.current = { seq: this.current.seq + 1, bytes: 0, lines: 0 };
    while (this.sealed.length > KEEP_SEALED) {
      const old = this.sealed.shift();
      if (old) await unlinkQuiet(join(this.dir, segmentName(old.seq)));
    }
    this.fh = await openSegment(join(this.dir, segmentName(this.current.seq)), 0);
  }

  private async closeHandle(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    if (fh) await fh.close().catch((err: unknown) => this.onError(err));
  }
}

/** Opens a segment for appending, first cutting it to `keepBytes` (drops a torn last line). */
async function openSegment(path: string, keepBytes: number): Promise<FileHandle> {
  const fh = await open(path, 'a');
  try {
    if ((await fh.stat()).size > keepBytes) await fh.truncate(keepBytes);
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

async function unlinkQuiet(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') throw err;
  }
}

/** Deletes an app's segment files, and its log directory if that leaves it empty. */
export async function removeSegments(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return;
    throw err;
  }
  await Promise.all(names.filter((n) => SEGMENT.test(n)).map((n) => unlinkQuiet(join(dir, n))));
  try {
    await rmdir(dir);
  } catch (err) {
    if (!['ENOENT', 'ENOTEMPTY', 'EEXIST'].includes(String(errorCode(err)))) throw err;
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
