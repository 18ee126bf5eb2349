/**
 * `--since` / `--until` values (CLI.md): ISO 8601 (`2026-11-22T02:46:07Z`) or relative to now
 * (`30s`, `10m`, `2h`, `1d`). Anything else is an error that shows both forms.
 */
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseTimeSpec(text: string, now = Date.now()): Date | null {
  const rel = /^(\d{1,9})([smhd])$/.exec(text.trim());
  if (rel) return new Date(now - Number(rel[1]) * UNITS[rel[2]]);
  if (/^\d{4}-\d\d-\d\d/.test(text)) {
    const t = Date.parse(text);
    if (!Number.isNaN(t)) return new Date(t);
  }
  return null;
}
