/**
 * Slug sizes: compressed bytes, printed in binary units like Heroku ("8.3M" is 8.3 MiB), and
 * classed as in *Heroku: Up and Running* (small below 15 MiB, average below 90 MiB, weighty
 * from there).
 */
export type SlugClass = 'small' | 'average' | 'weighty';

const MiB = 1024 * 1024;

export function classify(bytes: number): SlugClass {
  if (bytes < 15 * MiB) return 'small';
  if (bytes < 90 * MiB) return 'average';
  return 'weighty';
}

const UNITS = ['B', 'K', 'M', 'G', 'T'];

/** "900B", "512K", "8.3M", "1.2G": one decimal at most, none when it is 0. */
export function formatSize(bytes: number): string {
  let unit = 0;
  let value = Math.max(0, bytes);
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)}B`;
  let text = value.toFixed(1);
  if (Number(text) >= 1024 && unit < UNITS.length - 1) {
    // 1023.96K rounds to 1024.0K: say 1M instead
    value /= 1024;
    unit++;
    text = value.toFixed(1);
  }
  return `${text.replace(/\.0$/, '')}${UNITS[unit]}`;
}
