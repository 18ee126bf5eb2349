/**
 * One live tail of an app's log for the log panel: the last `n` lines, then every new line
 * (GET /apps/APP/logs?tail=true, NDJSON), handed on in batches (every `batchMs`, 75 ms by
 * default) so that the webview gets a few messages a second however fast the app writes. When
 * the stream ends while it is still wanted (the platform restarted), it starts over with a
 * growing pause; `onReset` tells the panel to drop what it shows before the history comes again.
 */
import type * as vscode from 'vscode';
import type { LogLine } from '../../platform/api/schemas';
import { ClientError, type SlipwayClient } from '../../platform/api/client';

/** A line as the webview gets it: [time, source, dyno, message]. */
export type WireLine = [string, LogLine['source'], string, string];

export type TailState = 'connecting' | 'live' | 'ended' | 'error';

export interface LogTailOptions {
  app: string;
  client(): Promise<SlipwayClient>;
  /** history lines first (the `slipway.logs.historyLines` setting) */
  n: number;
  /** lines from before this time are not wanted (the panel was cleared) */
  since?: string;
  onBatch(lines: WireLine[]): void;
  onReset(): void;
  onState(state: TailState, text: string): void;
  log?(line: string): void;
  batchMs?: number;
}

export class LogTail implements vscode.Disposable {
  private abort: AbortController | null = null;
  private pending: WireLine[] = [];
  private timer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private disposed = false;
  /** Lines received and batches handed on since the tail started (for tests and the load figures). */
  received = 0;
  batches = 0;

  constructor(private readonly opts: LogTailOptions) {
    this.connect();
  }

  get app(): string {
    return this.opts.app;
  }

  private connect(): void {
    const abort = new AbortController();
    this.abort = abort;
    this.opts.onState('connecting', `connecting to ${this.opts.app}…`);
    let first = true;
    const onLine = (line: LogLine) => {
      if (abort.signal.aborted) return;
      if (first) {
        first = false;
        this.failures = 0;
      }
      this.received++;
      this.pending.push([line.time, line.source, line.dyno, line.message]);
      this.timer ??= setTimeout(() => this.flush(), this.opts.batchMs ?? 75);
    };
    this.opts
      .client()
      .then((client) => {
        if (abort.signal.aborted) return;
        this.opts.onState('live', `live · ${this.opts.app}`);
        return client.tailLogs(this.opts.app, { n: this.opts.n, ...(this.opts.since ? { since: this.opts.since } : {}) }, onLine, abort.signal);
      })
      .then(
        () => this.ended(abort, null),
        (err: unknown) => this.ended(abort, err),
      );
  }

  private flush(): void {
    this.timer = null;
    if (this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    this.batches++;
    this.opts.onBatch(lines);
  }

  private ended(abort: AbortController, err: unknown): void {
    if (abort.signal.aborted || this.disposed) return;
    this.flush();
    if (err instanceof ClientError && err.code === 'app_not_found') {
      this.opts.onState('error', `${this.opts.app} does not exist (any more)`);
      return;
    }
    this.failures++;
    const delay = Math.min(10000, 500 * 2 ** this.failures);
    const why = err instanceof Error ? err.message : err ? JSON.stringify(err) : 'the platform closed the stream';
    this.opts.log?.(`log tail of ${this.opts.app} ended (${why}); again in ${delay / 1000} s`);
    this.opts.onState('ended', `disconnected (${why}); reconnecting in ${Math.round(delay / 1000)} s`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.disposed) return;
      this.opts.onReset();
      this.connect();
    }, delay);
  }

  dispose(): void {
    this.disposed = true;
    this.abort?.abort();
    this.abort = null;
    if (this.timer) clearTimeout(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.timer = this.retryTimer = null;
    this.pending = [];
  }
}
