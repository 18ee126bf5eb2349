/**
 * The .slugignore matcher: pure (no fs), shared by the platform (slugs) and the language server.
 *
 * Semantics (docs PLATFORM.md ".slugignore"): gitignore syntax and semantics, exactly as git
 * applies a file of patterns as an exclude file, except that `!` negation is not supported:
 * such a line is skipped and reported as SI001. `\!name` is an escaped literal `!name`, not a
 * negation. Matching is case-sensitive (git's default, core.ignoreCase=false).
 *
 * Reading the file follows git: a leading UTF-8 byte order mark is skipped, a CR before the LF
 * is dropped, `#` starts a comment only as the very first character, unescaped trailing spaces
 * are dropped, leading spaces are part of the pattern.
 *
 * Matching is done by the `ignore` package (no hand-written glob matcher), case-sensitive. It
 * agrees with git (2.39, checked by the oracle test in test/unit/slugignore.test.ts against
 * `git ls-files --others --exclude-from` and `git check-ignore --no-index`) on every shape we
 * tried: anchoring, `dir/`, `**` in all positions, `?`, `[a-c]`, `[!a]`, `[^a]`, `[[:alpha:]]`,
 * unclosed `[`, escapes (`\#`, `\!`, `\ `, `\*`, a trailing `\`), trailing spaces and tabs,
 * leading spaces. The one disagreement is non-ASCII text: git's wildmatch counts bytes, `ignore`
 * counts UTF-16 code units; `utf8Bytes` below bridges it, for patterns and paths alike.
 */
import ignore from 'ignore';
import type { Diagnostic } from './procfile';

export interface Slugignore {
  /** The lines that are in force (no comments, blank lines or `!` lines), as written (CR dropped). */
  patterns: { line: number; pattern: string }[];
  /** SI001 error for every `!` line (negation is unsupported; the line is skipped). */
  diagnostics: Diagnostic[];
  /**
   * Whether `path` is dropped from the slug.
   *
   * `path` is a posix path relative to the app root, without a leading "./" or a trailing "/";
   * `isDir` is true for directories. The answer already accounts for the parent directories:
   * a path inside an ignored directory is ignored too (git never looks inside an excluded
   * directory, and without negation nothing can bring it back). So a walk may test every path
   * on its own, or walk top-down and prune ignored directories: both give the same set.
   * The app root itself ("" or ".") is never ignored. Throws a TypeError for a path that is not
   * relative (absolute, "./x", "../x").
   */
  ignores(path: string, isDir: boolean): boolean;
}

export function parseSlugignore(text: string): Slugignore {
  const patterns: { line: number; pattern: string }[] = [];
  const diagnostics: Diagnostic[] = [];

  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  body.split('\n').forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('#')) return;
    if (trimTrailingSpaces(line) === '') return;
    if (line.startsWith('!')) {
      diagnostics.push({
        line: lineNo,
        column: 1,
        endLine: lineNo,
        endColumn: Math.max(line.trimEnd().length, 1) + 1,
        severity: 'error',
        code: 'SI001',
        message:
          `negation ("${line.trimEnd()}") is not supported in .slugignore, so this line is skipped; ` +
          'fix: delete it and narrow the patterns above so they do not match what you want to keep ' +
          '(e.g. "assets/*.psd" instead of "assets/" with "!assets/logo.png"); ' +
          `to match a name that starts with "!", escape it: "\\${line}"`,
      });
      return;
    }
    patterns.push({ line: lineNo, pattern: line });
  });

  const ig = ignore({ ignorecase: false });
  for (const { pattern } of patterns) ig.add(toIgnorePattern(pattern));

  return {
    patterns,
    diagnostics,
    ignores(path: string, isDir: boolean): boolean {
      const p = path.replace(/\/+$/, '');
      if (p === '' || p === '.') return false;
      if (!ignore.isPathValid(p)) throw new TypeError(`not a relative posix path: ${JSON.stringify(path)}`);
      const bytes = utf8Bytes(p);
      return ig.ignores(isDir ? `${bytes}/` : bytes);
    },
  };
}

/** Nothing is ignored: the app has no .slugignore. */
export const EMPTY_SLUGIGNORE: Slugignore = parseSlugignore('');

/** git's trim_trailing_spaces: drop trailing spaces (not tabs) unless escaped by a backslash. */
function trimTrailingSpaces(line: string): string {
  let end = line.length;
  while (end > 0 && line[end - 1] === ' ') {
    // an odd number of backslashes before the space escapes it
    let slashes = 0;
    for (let i = end - 2; i >= 0 && line[i] === '\\'; i--) slashes++;
    if (slashes % 2 === 1) break;
    end--;
  }
  return line.slice(0, end);
}

/**
 * Rewrites one gitignore pattern (comments, blanks and `!` lines already removed) into the
 * pattern `ignore` must be given to match as git does. The place to work around any further
 * shape on which `ignore` and git part ways.
 */
function toIgnorePattern(pattern: string): string {
  return utf8Bytes(pattern);
}

const encoder = new TextEncoder();

/**
 * git's wildmatch works on bytes, `ignore` on UTF-16 code units: for git, `?` and `[ä]` match
 * one byte, so `?` never matches "ä" (two bytes in UTF-8) while `??` does. Both the patterns and
 * the paths are handed to `ignore` as "byte strings" (one char per UTF-8 byte, U+0000..U+00FF),
 * so that every wildcard counts what git counts. ASCII, where all special characters live, is
 * unchanged.
 */
function utf8Bytes(s: string): string {
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  let out = '';
  for (const b of encoder.encode(s)) out += String.fromCharCode(b);
  return out;
}
