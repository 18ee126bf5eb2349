/**
 * A cheap necessary condition for one `.slugignore` pattern, so that a walk of 20,000 files
 * asks the real matcher (platform/shared/slugignore.ts, the only judge) about a handful of them: `*.psd`
 * can only match names that end in ".psd", `public/assets/` only paths under `public`,
 * `**\/lib/*.js` only files whose folder is named `lib`. It never says no where the matcher
 * could say yes (test/language-server/pattern-filter.test.ts checks that against the matcher
 * on random trees); it may say yes where the matcher says no.
 *
 * Read from the literal parts of the pattern, by gitignore's rules: a trailing `/` matches
 * directories only; a `/` at the start or in the middle anchors the pattern at the root, else
 * it matches a name at any depth; `**` as a whole segment spans any number of segments. A
 * pattern with a backslash or a character class, or with empty, `.` or `..` segments, gets no
 * filter (every path is asked).
 */

export interface PatternFilter {
  /** Whether the pattern may match this path itself (given as its segments), its parents not dropped. */
  matches(segments: readonly string[], isDir: boolean): boolean;
  /** Whether the pattern may match anything below this (not dropped) directory. */
  enters(segments: readonly string[]): boolean;
}

interface Segment {
  /** the segment has no wildcard: it must be equal */
  literal: boolean;
  text: string;
  /** literal text before the first and after the last wildcard */
  prefix: string;
  suffix: string;
}

function segment(text: string): Segment {
  const first = text.search(/[*?]/);
  if (first === -1) return { literal: true, text, prefix: text, suffix: text };
  const last = Math.max(text.lastIndexOf('*'), text.lastIndexOf('?'));
  return { literal: false, text, prefix: text.slice(0, first), suffix: text.slice(last + 1) };
}

function possible(s: Segment, name: string): boolean {
  if (s.literal) return name === s.text;
  return name.length >= s.prefix.length + s.suffix.length && name.startsWith(s.prefix) && name.endsWith(s.suffix);
}

const always: PatternFilter = { matches: () => true, enters: () => true };

export function patternFilter(pattern: string): PatternFilter {
  if (/[\\[]/.test(pattern)) return always;
  let p = pattern.replace(/ +$/, ''); // git drops unescaped trailing spaces (no backslash here)
  const dirOnly = p.endsWith('/');
  if (dirOnly) p = p.slice(0, -1);
  const anchored = p.includes('/');
  if (p.startsWith('/')) p = p.slice(1);
  const texts = p.split('/');
  if (texts.some((t) => t === '' || t === '.' || t === '..')) return always;
  const segs = texts.map(segment);

  if (!anchored) {
    const s = segs[0];
    return {
      matches: (path, isDir) => (!dirOnly || isDir) && possible(s, path[path.length - 1]),
      enters: () => true,
    };
  }

  const firstStar = texts.indexOf('**');
  if (firstStar === -1) {
    const n = segs.length;
    return {
      matches: (path, isDir) => (!dirOnly || isDir) && path.length === n && segs.every((s, i) => possible(s, path[i])),
      enters: (dir) => dir.length < n && dir.every((name, i) => possible(segs[i], name)),
    };
  }
  const head = segs.slice(0, firstStar);
  const tail = segs.slice(texts.lastIndexOf('**') + 1);
  return {
    matches: (path, isDir) => {
      if ((dirOnly && !isDir) || path.length < head.length + tail.length) return false;
      const off = path.length - tail.length;
      return head.every((s, i) => possible(s, path[i])) && tail.every((s, i) => possible(s, path[off + i]));
    },
    enters: (dir) => {
      const k = Math.min(dir.length, head.length);
      for (let i = 0; i < k; i++) if (!possible(head[i], dir[i])) return false;
      return true;
    },
  };
}
