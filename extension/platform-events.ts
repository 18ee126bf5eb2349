/**
 * The platform's event stream (GET /events: what changed, as it happens) while the platform
 * runs. Events are coalesced (a deploy emits several in a burst) and handed to `onChange`,
 * which refreshes the trees: views update from events, not by polling. When the stream ends
 * while the platform still runs, it reconnects with a growing pause.
 */
import type * as vscode from 'vscode';
import type { PlatformEvent } from '../platform/api/schemas';
import type { SlipwayClient } from '../platform/api/client';

export interface PlatformEventsOptions {
  /** A client of the running platform (never starts one). */
  client(): Promise<SlipwayClient>;
  /** Something changed (after a reconnect: `[]`, as events may have been missed). */
  onChange(events: PlatformEvent[]): void;
  log(line: string): void;
  /** Whether to reconnect after the stream ended (the platform is still meant to run). */
  shouldRun(): boolean;
  /** How long to gather a burst of events before `onChange`. */
  coalesceMs?: number;
}

export class PlatformEvents implements vscode.Disposable {
  private abort: AbortController | null = null;
  private pending: PlatformEvent[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  /** Events received since the stream was opened (the `hello` excluded). */
  received = 0;
  connected = false;

  constructor(private readonly opts: PlatformEventsOptions) {}

  /** Subscribes (replacing any earlier subscription). */
  start(): void {
    this.stop();
    const abort = new AbortController();
    this.abort = abort;
    const reconnect = this.failures > 0;
    this.opts
      .client()
      .then((client) =>
        client.events((event) => {
          if (abort.signal.aborted) return;
          if (event.kind === 'hello') {
            this.connected = true;
            this.failures = 0;
            if (reconnect) this.opts.onChange([]);
            return;
          }
          this.received++;
          this.pending.push(event);
          this.flushTimer ??= setTimeout(() => this.flush(), this.opts.coalesceMs ?? 50);
        }, abort.signal),
      )
      .then(
        () => this.ended(abort, 'the platform closed the event stream'),
        (err: unknown) => this.ended(abort, (err as Error).message),
      );
  }

  private flush(): void {
    this.flushTimer = null;
    const events = this.pending;
    this.pending = [];
    if (events.length) this.opts.onChange(events);
  }

  private ended(abort: AbortController, why: string): void {
    if (abort.signal.aborted || this.abort !== abort) return;
    this.connected = false;
    this.abort = null;
    this.failures++;
    if (!this.opts.shouldRun()) return;
    const delay = Math.min(30000, 500 * 2 ** this.failures);
    this.opts.log(`event stream ended (${why}); reconnecting in ${delay / 1000} s`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.opts.shouldRun()) this.start();
    }, delay);
  }

  stop(): void {
    this.abort?.abort();
    this.abort = null;
    this.connected = false;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.pending = [];
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  dispose(): void {
    this.stop();
  }
}
