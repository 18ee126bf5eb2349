/** Which lines a reader wants: by dyno, source and time, combined with AND. */
import type { LogLine, LogSource } from '../shared/log-line';

export interface LogFilter {
  /** `web` matches `web.1`, `web.2` (and `web`); `web.1` matches only `web.1`. */
  dyno?: string;
  source?: LogSource;
  /** Inclusive. */
  since?: Date;
  /** Inclusive. */
  until?: Date;
}

export type LineMatcher = (line: LogLine) => boolean;

const all: LineMatcher = () => true;

function iso(d: Date, name: string): string {
  if (Number.isNaN(d.getTime())) throw new RangeError(`log filter: ${name} is not a valid date`);
  return d.toISOString();
}

/** A predicate for the filter. Times compare as ISO strings (same format, so same order). */
export function compileFilter(f: LogFilter): LineMatcher {
  const { dyno, source } = f;
  const since = f.since ? iso(f.since, 'since') : undefined;
  const until = f.until ? iso(f.until, 'until') : undefined;
  if (dyno === undefined && source === undefined && since === undefined && until === undefined) return all;
  const prefix = dyno !== undefined && !dyno.includes('.') ? `${dyno}.` : undefined;
  return (l) =>
    (source === undefined || l.source === source) &&
    (dyno === undefined || l.dyno === dyno || (prefix !== undefined && l.dyno.startsWith(prefix))) &&
    (since === undefined || l.time >= since) &&
    (until === undefined || l.time <= until);
}
