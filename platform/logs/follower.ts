/**
 * One live reader of an app's log (`logs --tail`): a bounded queue between append() and a
 * sink that may be slower than the app. append() only ever pushes onto the queue (or counts
 * a drop); lines are delivered later, on the event loop, as fast as the sink takes them.
 *
 * When the queue is full (`cap` lines) new lines are dropped and counted. The reader then
 * gets one marker line at the gap, in order, saying exactly how many lines it missed:
 *   slipway[logplex]: Error L10 (output buffer overflow): 1234 messages dropped
 * (Heroku's logplex wording; `logplex` names the log router inside the platform). The
 * marker is sent whatever the reader's filter, and counts only lines the filter matched.
 */
import type { LineMatcher } from './filter';
import type { LogLine } from '../shared/log-line';

export const FOLLOWER_QUEUE_LINES = 10_000;
export const OVERFLOW_DYNO = 'logplex';

/**
 * Where a follower's lines go. `write` returns false when the reader is full (like a
 * stream's write: the line was taken); the follower then calls `onDrain` once, and writes
 * again only after that callback ran. So an HTTP response fits as
 * `{ write: (l) => res.write(JSON.stringify(l) + '\n'), onDrain: (cb) => res.once('drain', cb) }`.
 */
export interface LogSink {
  write(line: LogLine): boolean;
  onDrain(cb: () => void): void;
}

export interface FollowerStats {
  /** Lines waiting for the sink. Never more than `cap`. */
  queued: number;
  /** Lines dropped since the last marker (not yet reported). */
  dropped: number;
  cap: number;
}

export function overflowLine(dropped: number, time: string): LogLine {
  return Object.freeze({
    time,
    source: 'slipway' as const,
    dyno: OVERFLOW_DYNO,
    message: `Error L10 (output buffer overflow): ${dropped} messages dropped`,
  });
}

export class Follower {
  private queue: LogLine[] = [];
  private head = 0;
  private dropped = 0;
  /** The sink returned false; waiting for its drain. */
  private full = false;
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly match: LineMatcher,
    private readonly sink: LogSink,
    readonly cap: number,
    private readonly now: () => number,
    private readonly onClose: () => void,
  ) {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`follower queue must hold at least 1 line, got ${cap}`);
  }

  get queued(): number {
    return this.queue.length - this.head;
  }

  stats(): FollowerStats {
    return { queued: this.queued, dropped: this.dropped, cap: this.cap };
  }

  /** Called by append(): O(1), never calls the sink. */
  offer(line: LogLine): void {
    if (this.closed || !this.match(line)) return;
    if (this.dropped > 0) {
      // The marker goes at the gap, before this line: both must fit.
      if (this.queued + 2 > this.cap) {
        this.dropped++;
        return;
      }
      this.queue.push(this.marker());
    } else if (this.queued >= this.cap) {
      this.dropped++;
      return;
    }
    this.queue.push(line);
    this.schedule();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.head = 0;
    this.onClose();
  }

  private marker(): LogLine {
    const line = overflowLine(this.dropped, new Date(this.now()).toISOString());
    this.dropped = 0;
    return line;
  }

  private schedule(): void {
    if (this.scheduled || this.full || this.closed) return;
    this.scheduled = true;
    setImmediate(() => this.pump());
  }

  private pump(): void {
    this.scheduled = false;
    try {
      while (!this.full && !this.closed) {
        let line: LogLine;
        if (this.head < this.queue.length) line = this.queue[this.head++];
        else if (this.dropped > 0) line = this.marker(); // caught up after a gap
        else break;
        if (!this.sink.write(line)) {
          this.full = true;
          this.sink.onDrain(() => this.drained());
        }
      }
    } catch {
      this.close(); // a broken sink ends the follow
      return;
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head >= 4096 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private drained(): void {
    if (!this.full) return;
    this.full = false;
    this.schedule();
  }
}
