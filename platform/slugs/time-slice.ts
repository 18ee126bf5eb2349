/**
 * Cooperative time slicing for long synchronous file work on the platform's event loop.
 *
 * Walking, copying and reading tens of thousands of small files is cheapest with synchronous
 * fs calls (one syscall each, no threadpool round trip, and the libuv threadpool stays free
 * for gzip). The platform process also routes HTTP and streams logs, so such loops give the
 * event loop back every few milliseconds: `if (slice.due()) await slice.pause();`.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

export class TimeSlice {
  private started = performance.now();

  constructor(
    private readonly signal?: AbortSignal,
    private readonly budgetMs = 8,
  ) {}

  /** Whether this slice has used its budget (cheap: call it once per file). */
  due(): boolean {
    return performance.now() - this.started >= this.budgetMs;
  }

  /** Lets other work on the event loop run, then starts a new slice. Throws if aborted. */
  async pause(): Promise<void> {
    await nextTurn();
    this.signal?.throwIfAborted();
    this.started = performance.now();
  }
}
