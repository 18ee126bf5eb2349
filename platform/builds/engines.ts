/**
 * Does a Node.js version satisfy a package.json `engines.node` range? The npm range grammar
 * that engines fields use in practice: `*`, `x`, partial versions (`20`, `20.1`, `20.x`),
 * comparators (`>=18 <21`), `^` and `~`, hyphen ranges (`18 - 20`), and `||`. Prerelease tags
 * are ignored. `undefined` means the range could not be read (the caller says so rather than
 * guessing).
 */
type Version = [number, number, number];

export function satisfiesRange(version: string, range: string): boolean | undefined {
  const v = parseExact(version);
  if (!v) return undefined;
  let readable = true;
  const ok = range.split('||').some((alternative) => {
    const comparators = toComparators(alternative.trim());
    if (!comparators) {
      readable = false;
      return false;
    }
    return comparators.every(([op, bound]) => compareWith(op, v, bound));
  });
  return ok ? true : readable ? false : undefined;
}

type Op = '<' | '<=' | '>' | '>=' | '=';
type Comparator = [Op, Version];

const PARTIAL = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:[-+][0-9A-Za-z.+-]*)?$/;

/** A partial version: the numbers given, up to the first wildcard. */
function parsePartial(s: string): number[] | undefined {
  const m = PARTIAL.exec(s);
  if (!m) return undefined;
  const parts: number[] = [];
  for (const p of [m[1], m[2], m[3]]) {
    if (p === undefined || /^[xX*]$/.test(p)) break;
    parts.push(Number(p));
  }
  return parts;
}

function parseExact(s: string): Version | undefined {
  const p = parsePartial(s.trim());
  return p && p.length === 3 ? [p[0], p[1], p[2]] : undefined;
}

const pad = (p: number[]): Version => [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0];

/** The first version above everything that matches the partial `p` (20.1 → 20.2.0). */
function after(p: number[]): Version {
  if (p.length === 1) return [p[0] + 1, 0, 0];
  if (p.length === 2) return [p[0], p[1] + 1, 0];
  return [p[0], p[1], p[2] + 1];
}

function toComparators(set: string): Comparator[] | undefined {
  if (set === '' || set === '*' || /^[xX]$/.test(set)) return [];
  const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(set);
  if (hyphen) {
    const lo = parsePartial(hyphen[1]);
    const hi = parsePartial(hyphen[2]);
    if (!lo || !hi) return undefined;
    const out: Comparator[] = [['>=', pad(lo)]];
    if (hi.length === 3) out.push(['<=', pad(hi)]);
    else if (hi.length > 0) out.push(['<', after(hi)]);
    return out;
  }
  const out: Comparator[] = [];
  for (const token of set.replace(/(>=|<=|[<>=^~])\s+/g, '$1').split(/\s+/)) {
    const m = /^(>=|<=|>|<|=|\^|~)?(.*)$/.exec(token);
    if (!m) return undefined;
    const op = m[1] ?? '';
    const p = parsePartial(m[2]);
    if (!p) return undefined;
    const c = comparatorsFor(op, p);
    if (!c) return undefined;
    out.push(...c);
  }
  return out;
}

function comparatorsFor(op: string, p: number[]): Comparator[] | undefined {
  if (p.length === 0) return op === '<' || op === '>' ? [['<', [0, 0, 0]]] : []; // "*", ">=*": anything
  switch (op) {
    case '':
    case '=':
      return p.length === 3 ? [['=', pad(p)]] : [['>=', pad(p)], ['<', after(p)]];
    case '>=':
      return [['>=', pad(p)]];
    case '>':
      return p.length === 3 ? [['>', pad(p)]] : [['>=', after(p)]];
    case '<':
      return [['<', pad(p)]];
    case '<=':
      return p.length === 3 ? [['<=', pad(p)]] : [['<', after(p)]];
    case '~':
      return [['>=', pad(p)], ['<', p.length === 1 ? after(p) : after(p.slice(0, 2))]];
    case '^': {
      const v = pad(p);
      let upper: Version;
      if (v[0] > 0 || p.length === 1) upper = [v[0] + 1, 0, 0];
      else if (v[1] > 0 || p.length === 2) upper = [0, v[1] + 1, 0];
      else upper = [0, 0, v[2] + 1];
      return [['>=', v], ['<', upper]];
    }
    default:
      return undefined;
  }
}

function cmp(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

function compareWith(op: Op, v: Version, bound: Version): boolean {
  const c = cmp(v, bound);
  switch (op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    case '=':
      return c === 0;
  }
}
