/**
 * The language server's pattern filter (extension/language-server/pattern-filter.ts) is a
 * necessary condition for the platform's matcher: with it, the file list's counts must be the
 * same as without it, for random patterns on a random tree, and what a line adds to the lines
 * above it must be what a path-by-path check with the platform's matcher finds. And the line-by-line rules
 * (slugignore-rules.ts) drop exactly what the whole file drops.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileIndex } from '../../extension/language-server/file-index';
import { patternFilter, type PatternFilter } from '../../extension/language-server/pattern-filter';
import { slugignoreRules } from '../../extension/language-server/slugignore-rules';
import { parseSlugignore } from '../../platform/shared/slugignore';
import { tempDir } from '../helpers/tmp';
import { mulberry32 } from '../helpers/prng';

const NO_FILTER: PatternFilter = { matches: () => true, enters: () => true };

function rng(seed: number): (n: number) => number {
  const next = mulberry32(seed);
  return (n) => Math.floor(next() * n);
}

const NAMES = ['a', 'b', 'ab', 'lib', 'src', 'docs', 'x.psd', 'a.psd', 'logo.png', 'a.js', 'lib.js', 'b.map', '.env', 'node_modules', 'é.psd', 'a b', 'psd'];
const SEGMENTS = ['a', 'b', 'ab', 'lib', 'src', 'docs', '*', '?', '*.psd', '*.js', 'a*', '*b', 'a?', 'l*b', '**', 'node_modules', '.env', 'é*', '*.PSD', 'x.psd', 'lib.js'];

/** Writes a random tree; returns its files (path → size). */
function makeTree(root: string, next: (n: number) => number): Map<string, number> {
  const paths: string[] = [];
  const files = new Map<string, number>();
  const fill = (dir: string, depth: number): void => {
    const count = 2 + next(5);
    for (let i = 0; i < count; i++) {
      const name = NAMES[next(NAMES.length)];
      const rel = dir ? `${dir}/${name}` : name;
      if (paths.includes(rel)) continue;
      if (depth < 3 && next(3) === 0) {
        mkdirSync(join(root, rel), { recursive: true });
        paths.push(rel);
        fill(rel, depth + 1);
      } else {
        const body = name.repeat(1 + next(4));
        writeFileSync(join(root, rel), body);
        paths.push(rel);
        files.set(rel, Buffer.byteLength(body));
      }
    }
  };
  fill('', 0);
  return files;
}

function randomPattern(next: (n: number) => number): string {
  const n = 1 + next(3);
  const segs = Array.from({ length: n }, () => SEGMENTS[next(SEGMENTS.length)]);
  let p = segs.join('/');
  if (next(4) === 0) p = `/${p}`;
  if (next(4) === 0) p = `${p}/`;
  if (next(8) === 0) p = `${p} `;
  return p;
}

void test('the pattern filter never hides a match, and a line adds what the lines above do not drop', async (t) => {
  const next = rng(Number(process.env.PATTERN_FILTER_SEED ?? 7));
  let checked = 0;
  let matched = 0;
  for (let tree = 0; tree < 6; tree++) {
    const root = join(tempDir(t, 'slipway-filter-'), 'app');
    mkdirSync(root);
    const files = makeTree(root, next);
    const index = new FileIndex(root);
    await index.load();
    for (let i = 0; i < 150; i++) {
      const pattern = randomPattern(next);
      const matcher = parseSlugignore(pattern);
      const plain = index.measure({ matcher, filter: NO_FILTER }, { examples: 1000 });
      const filtered = index.measure({ matcher, filter: patternFilter(pattern) }, { examples: 1000 });
      assert.deepEqual(filtered, plain, `pattern ${JSON.stringify(pattern)}`);
      // with the lines above: what this line adds is what it drops and they do not, path by path
      const text = [randomPattern(next), randomPattern(next), pattern].join('\n');
      const { rules } = slugignoreRules(text);
      const last = rules.at(-1)!;
      const above = parseSlugignore(rules.slice(0, -1).map((r) => r.pattern).join('\n'));
      const expected = { files: 0, bytes: 0 };
      for (const [path, size] of files) {
        if (last.matcher.ignores(path, false) && !above.ignores(path, false)) {
          expected.files++;
          expected.bytes += size;
        }
      }
      assert.deepEqual(index.measure(last, { except: rules.slice(0, -1) }).fresh, expected, JSON.stringify(text));
      checked++;
      if (plain.files + plain.dirs > 0) matched++;
    }
  }
  t.diagnostic(`${checked} patterns checked, ${matched} of them drop something`);
  assert.ok(matched > checked / 10, "the random patterns match often enough to mean something");
});

void test('line by line, the rules drop exactly what the whole .slugignore drops, and name the first line that does', () => {
  const rules = slugignoreRules('# assets\n*.psd\n!keep.psd\n/docs/\nlib/*.js\n');
  assert.deepEqual(rules.rules.map((r) => [r.line, r.pattern]), [[2, '*.psd'], [4, '/docs/'], [5, 'lib/*.js']]);
  const cases: [string, boolean, number | undefined][] = [
    ['a.psd', false, 2],
    ['docs', true, 4],
    ['docs/a.psd', false, 2],
    ['docs/readme.md', false, 4],
    ['src/docs', true, undefined],
    ['lib/a.js', false, 5],
    ['src/lib/a.js', false, undefined],
    ['keep.psd', false, 2],
  ];
  for (const [path, isDir, line] of cases) {
    assert.equal(rules.droppedBy(path, isDir)?.line, line, path);
    assert.equal(rules.parsed.ignores(path, isDir), line !== undefined, path);
  }
});
