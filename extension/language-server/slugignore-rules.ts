/**
 * A `.slugignore` taken line by line: which line drops a path, and a matcher for each line on
 * its own. Built on the platform's parser (platform/shared/slugignore.ts), so that the editor and a
 * deploy agree on what is dropped. Pure (no fs): the language server and the Explorer
 * decorations (extension/views/file-decorations.ts) both use it.
 *
 * Without negation (`!` is unsupported, SI001), a path is dropped exactly when at least one
 * line drops it on its own, so a line-by-line matcher answers the same as the whole file.
 */
import { parseSlugignore, type Slugignore } from '../../platform/shared/slugignore';
import { patternFilter, type PatternFilter } from './pattern-filter';

export interface SlugignoreRule {
  /** 1-based line of the pattern in the file */
  line: number;
  /** the pattern as written (CR dropped) */
  pattern: string;
  /** this line alone */
  matcher: Slugignore;
  /** a cheap necessary condition for `matcher` (pattern-filter.ts) */
  filter: PatternFilter;
}

export interface SlugignoreRules {
  /** the whole file, as a deploy applies it */
  parsed: Slugignore;
  rules: SlugignoreRule[];
  /** The first line that drops `path` (posix, relative to the app root), or undefined. */
  droppedBy(path: string, isDir: boolean): SlugignoreRule | undefined;
}

/**
 * Matchers of single patterns, shared between parses: `ignore` caches its answer for every path
 * it was asked about, and that answer depends only on the pattern and the path, so a pattern
 * that survives an edit keeps its cache. Bounded: cleared when it grows past `MAX_CACHED`.
 */
const cache = new Map<string, { matcher: Slugignore; filter: PatternFilter }>();
const MAX_CACHED = 512;

export function patternMatcher(pattern: string): { matcher: Slugignore; filter: PatternFilter } {
  let m = cache.get(pattern);
  if (!m) {
    if (cache.size >= MAX_CACHED) cache.clear();
    m = { matcher: parseSlugignore(pattern), filter: patternFilter(pattern) };
    cache.set(pattern, m);
  }
  return m;
}

/** Whether `m` drops `path`; false for a path the matcher refuses (never relative, e.g. odd names). */
export function safeIgnores(m: Slugignore, path: string, isDir: boolean): boolean {
  try {
    return m.ignores(path, isDir);
  } catch {
    return false;
  }
}

export function slugignoreRules(text: string): SlugignoreRules {
  const parsed = parseSlugignore(text);
  const rules: SlugignoreRule[] = parsed.patterns.map(({ line, pattern }) => ({ line, pattern, ...patternMatcher(pattern) }));
  return {
    parsed,
    rules,
    droppedBy(path, isDir) {
      if (rules.length === 0 || !safeIgnores(parsed, path, isDir)) return undefined;
      // without negation, the file drops a path exactly when one of its lines does
      return rules.find((r) => safeIgnores(r.matcher, path, isDir)) ?? rules[0];
    },
  };
}
