/**
 * One line of an app's log and its text form (PLATFORM.md, Logs):
 *   2026-11-22T02:46:07.123456+00:00 app[web.1]: listening on 5000
 *   2026-11-22T02:46:07.123456+00:00 slipway[router]: at=info method=GET path="/" …
 *   2026-11-22T02:46:07.123456+00:00 app[api]: Release v3 created
 */

/** `app`: what the app printed; `slipway`: dyno states, router, errors; `api`: releases and config. */
export type LogSource = 'app' | 'slipway' | 'api';

export const LOG_SOURCES: readonly LogSource[] = ['app', 'slipway', 'api'];

/** CLI.md's `Line`. `time` is ISO 8601 UTC with milliseconds (`2026-11-22T02:46:07.123Z`). */
export interface LogLine {
  time: string;
  source: LogSource;
  /** `web.1`, `run.1234`, `release`, `router`, `api`, … */
  dyno: string;
  message: string;
}

/** A message longer than this (in UTF-8 bytes) is split into several lines. */
export const MAX_MESSAGE_BYTES = 10_000;

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * The text form of a line. `micros` is the microseconds within the millisecond of `time`
 * (0–999); the store keeps milliseconds only, so without it the fraction ends in `000`.
 * Source `api` prints as `app[api]`, Heroku's form.
 */
export function formatLogLine(l: LogLine & { micros?: number }): string {
  const iso = ISO_MS.test(l.time) ? l.time : new Date(l.time).toISOString();
  const micros = Math.min(999, Math.max(0, Math.trunc(l.micros ?? 0)));
  const source = l.source === 'api' ? 'app' : l.source;
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}+00:00 ${source}[${l.dyno}]: ${l.message}`;
}
