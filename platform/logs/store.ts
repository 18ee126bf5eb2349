/**
 * The platform's log store: one stream per app (PLATFORM.md, Logs). The dyno manager, the
 * router and the release code append; the HTTP API and the CLI read and follow.
 *
 * - append() is synchronous and cheap: it never waits for the disk or for readers.
 * - History: at most historyLines per app are returned; on disk between historyLines and
 *   1.5 × historyLines are kept (app-log.ts), in `dir(app)`, so logs survive a restart.
 * - Crash: a kill -9 loses at most the lines appended in the last flushIntervalMs (50 ms)
 *   plus a batch being written.
 * - Followers get live lines through a bounded queue; one that falls behind loses lines and
 *   gets an `Error L10` marker with the exact count (follower.ts).
 */
import { AppLog, removeSegments } from './app-log';
import { compileFilter, type LogFilter } from './filter';
import { Follower, FOLLOWER_QUEUE_LINES, type FollowerStats, type LogSink } from './follower';
import type { LogLine, LogSource } from '../shared/log-line';
import { splitMessage } from './split';
import { isoTime } from './timestamp';

export const DEFAULT_HISTORY_LINES = 100_000;
export const DEFAULT_READ_LINES = 100;
export const FLUSH_INTERVAL_MS = 50;

export interface LogStoreOptions {
  /** The directory for an app's log files (created on the first write, removed by remove() when left empty). */
  dir: (app: string) => string;
  /** Per app; default 100,000 (settings.json `logHistoryLines`). */
  historyLines?: number;
  /** A follower's queue; default 10,000 lines. */
  followerQueueLines?: number;
  /** Longest a line waits in memory before its batch is written; default 50 ms. */
  flushIntervalMs?: number;
  /** The clock (ms since the epoch) for line times; tests pin it. */
  now?: () => number;
  /** A write or read of the files failed (lines are kept and retried). Default: a process warning. */
  onError?: (err: unknown, app: string) => void;
}

export class LogStore {
  private readonly dirOf: (app: string) => string;
  private readonly historyLines: number;
  private readonly followerCap: number;
  private readonly flushMs: number;
  private readonly now: () => number;
  private readonly onError: (err: unknown, app: string) => void;
  private readonly logs = new Map<string, AppLog>();
  private readonly followers = new Map<string, Set<Follower>>();
  private readonly removing = new Map<string, Promise<void>>();
  private closed = false;

  constructor(opts: LogStoreOptions) {
    this.dirOf = opts.dir;
    this.historyLines = opts.historyLines ?? DEFAULT_HISTORY_LINES;
    this.followerCap = opts.followerQueueLines ?? FOLLOWER_QUEUE_LINES;
    this.flushMs = opts.flushIntervalMs ?? FLUSH_INTERVAL_MS;
    this.now = opts.now ?? Date.now;
    this.onError = opts.onError ?? ((err, app) => process.emitWarning(`logs of ${app}: ${String(err)}`, 'SlipwayLogWarning'));
    if (!Number.isInteger(this.historyLines) || this.historyLines < 1) {
      throw new RangeError(`historyLines must be a positive integer, got ${this.historyLines}`);
    }
  }

  /**
   * Adds a message to the app's log, stamped now. Splits it into lines (see splitMessage:
   * embedded newlines, a trailing `\r` stripped, more than 10,000 bytes). Synchronous; a
   * no-op after close().
   */
  append(app: string, source: LogSource, dyno: string, message: string): void {
    if (this.closed) return;
    const time = isoTime(Math.floor(this.now()));
    const log = this.log(app);
    const readers = this.followers.get(app);
    for (const text of splitMessage(message)) {
      const line: LogLine = Object.freeze({ time, source, dyno, message: text });
      log.append(line);
      if (readers) for (const f of readers) f.offer(line);
    }
  }

  /** The last `n` (default 100) lines that match the filter, oldest first, from disk and memory. */
  async read(app: string, opts: { n?: number } & LogFilter = {}): Promise<LogLine[]> {
    const n = opts.n ?? DEFAULT_READ_LINES;
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
    const match = compileFilter(opts);
    if (n === 0) return [];
    return this.log(app).read(match, Math.min(n, this.historyLines), this.historyLines);
  }

  /**
   * Sends the app's lines appended from now on that match the filter to `sink`, in order,
   * until the returned function is called (or the sink throws, or the app is removed).
   */
  follow(app: string, filter: LogFilter, sink: LogSink): () => void {
    const match = compileFilter(filter);
    let set = this.followers.get(app);
    if (!set) this.followers.set(app, (set = new Set()));
    const readers = set;
    const f: Follower = new Follower(match, sink, this.followerCap, this.now, () => {
      readers.delete(f);
      if (readers.size === 0 && this.followers.get(app) === readers) this.followers.delete(app);
    });
    readers.add(f);
    return () => f.close();
  }

  /** The app's followers' queues (diagnostics and tests). */
  followerStats(app: string): FollowerStats[] {
    return [...(this.followers.get(app) ?? [])].map((f) => f.stats());
  }

  /** Deletes the app's history (apps:destroy) and ends its followers. */
  async remove(app: string): Promise<void> {
    const log = this.logs.get(app);
    this.logs.delete(app);
    for (const f of [...(this.followers.get(app) ?? [])]) f.close();
    const dir = this.dirOf(app);
    const before = this.removing.get(app);
    const done = (async () => {
      await before?.catch(() => undefined);
      await log?.dispose();
      await removeSegments(dir);
    })();
    this.removing.set(app, done);
    try {
      await done;
    } finally {
      if (this.removing.get(app) === done) this.removing.delete(app);
    }
  }

  /** Resolves once every line appended before the call is on disk. */
  async flush(): Promise<void> {
    await settleAll([...this.logs.values()].map((l) => l.flush()));
  }

  /** Writes what is buffered and releases the files; later appends are ignored. */
  async close(): Promise<void> {
    this.closed = true;
    for (const set of [...this.followers.values()]) for (const f of [...set]) f.close();
    await settleAll([...this.logs.values()].map((l) => l.close()).concat([...this.removing.values()]));
  }

  private log(app: string): AppLog {
    let log = this.logs.get(app);
    if (!log) {
      log = new AppLog({
        dir: this.dirOf(app),
        historyLines: this.historyLines,
        flushMs: this.flushMs,
        after: this.removing.get(app),
        onError: (err) => this.onError(err, app),
      });
      this.logs.set(app, log);
    }
    return log;
  }
}

/** Waits for all; then throws the first failure, if any. */
async function settleAll(ps: Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(ps)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
}
