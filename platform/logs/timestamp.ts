/**
 * ISO 8601 UTC timestamps with milliseconds (`2026-11-22T02:46:07.123Z`), cheaply: a log
 * line needs one, and Date#toISOString costs more than the rest of an append. The text up
 * to the second is computed once a second and reused.
 */
let second = NaN;
let prefix = '';

export function isoTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s !== second) {
    const iso = new Date(s * 1000).toISOString();
    if (iso.length !== 24) return new Date(ms).toISOString(); // years outside 0000–9999
    second = s;
    prefix = iso.slice(0, 20);
  }
  const frac = ms - s * 1000;
  return `${prefix}${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`;
}
