/**
 * The countdown on crashed dynos ("crashed · restart in 8s"). Not polling: the platform's
 * events still say when a dyno restarts; this only redraws the rows of crashed dynos once a
 * second, with one timer that runs while the Apps view is visible and some shown dyno is
 * counting down, and stops as soon as none is.
 */
import type * as vscode from 'vscode';
import type { DynoNode } from './nodes';

/** "8s", "2m 05s", "1h 02m": the time left until a crashed dyno starts again. */
export function formatCountdown(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A crashed dyno's state text: "crashed · restart in 8s", "crashed · restarting…", or "crashed". */
export function crashedText(nextRestartAt: string | null, now = Date.now()): string {
  if (!nextRestartAt) return 'crashed';
  const left = Date.parse(nextRestartAt) - now;
  return left > 0 ? `crashed · restart in ${formatCountdown(left)}` : 'crashed · restarting…';
}

export class CrashCountdown implements vscode.Disposable {
  /** `app\0dyno` → the row shown for a crashed dyno with a restart time. */
  private readonly rows = new Map<string, DynoNode>();
  private timer: NodeJS.Timeout | null = null;
  private visible = true;
  /** Redraws since the timer last started (for tests). */
  ticks = 0;

  constructor(
    private readonly redraw: (nodes: DynoNode[]) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** The rows of one app's Dynos node, as just shown: the crashed ones count down. */
  track(app: string, nodes: readonly DynoNode[]): void {
    this.forget(app, false);
    for (const n of nodes) if (n.dyno.state === 'crashed' && n.dyno.nextRestartAt) this.rows.set(`${app}\0${n.dyno.name}`, n);
    this.schedule();
  }

  /** The app's rows are no longer shown (collapsed, refreshed away, or the app is gone). */
  forget(app: string, reschedule = true): void {
    for (const key of [...this.rows.keys()]) if (key.startsWith(`${app}\0`)) this.rows.delete(key);
    if (reschedule) this.schedule();
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    this.schedule();
  }

  /** Whether the timer runs. */
  get running(): boolean {
    return this.timer !== null;
  }

  /** Rows still counting (their restart time not yet passed, with a second of grace for "restarting…"). */
  private counting(): DynoNode[] {
    const now = this.now();
    return [...this.rows.values()].filter((n) => Date.parse(n.dyno.nextRestartAt ?? '') > now - 1000);
  }

  private schedule(): void {
    const want = this.visible && this.counting().length > 0;
    if (want && !this.timer) {
      this.ticks = 0;
      this.timer = setInterval(() => this.tick(), 1000);
    } else if (!want && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private tick(): void {
    const nodes = this.counting();
    if (nodes.length) {
      this.ticks++;
      this.redraw(nodes);
    }
    this.schedule();
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.rows.clear();
  }
}
