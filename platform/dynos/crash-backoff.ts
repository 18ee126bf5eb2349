/**
 * When a crashed formation dyno starts again (PLATFORM.md, Dynos): the first crash restarts
 * at once, then 10 s, 20 s, 40 s, … capped at 20 minutes. A dyno that was up for 10 minutes
 * before it crashed starts the count again; so do a new release and a manual restart (a new
 * count of 0). Pure functions: the caller owns the clock.
 */

export const BACKOFF_FIRST_MS = 10_000;
export const BACKOFF_CAP_MS = 20 * 60_000;
/** Up this long before a crash: the crash counts as the first again. */
export const STABLE_UP_MS = 10 * 60_000;

/**
 * Crashes in a row after one more crash. `upForMs`: how long the process had been up when it
 * crashed (null when it never came up).
 */
export function crashesInARow(previous: number, upForMs: number | null): number {
  if (upForMs !== null && upForMs >= STABLE_UP_MS) return 1;
  return previous + 1;
}

/** The wait before the next start, after the `crashes`-th crash in a row (1 = the first). */
export function restartDelayMs(crashes: number): number {
  if (crashes <= 1) return 0;
  // 2 → 10 s, 3 → 20 s, …; the exponent is bounded so the number stays finite.
  return Math.min(BACKOFF_CAP_MS, BACKOFF_FIRST_MS * 2 ** Math.min(crashes - 2, 30));
}
