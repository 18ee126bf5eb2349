import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY_SLUGIGNORE, parseSlugignore, type Slugignore } from '../../platform/shared/slugignore';
import { mulberry32 } from '../helpers/prng';

// ---------------------------------------------------------------------------------------------
// Deterministic randomness: mulberry32, seeded. SLUGIGNORE_ORACLE_SEED / _TREES override.


class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ---------------------------------------------------------------------------------------------
// Trees: nested directories and files, names from a small vocabulary.

interface Tree {
  [name: string]: Tree | null; // null: a file
}

const NAMES = [
  'a', 'b', 'c', 'ab', 'abc', 'ba', 'cab', 'x', 'build', 'docs', 'node_modules', 'src', 'lib',
  'a.psd', 'b.psd', 'logo.PSD', 'x.psd.bak', 'logo.png', 'a.txt', 'readme.md', 'a.b.c',
  '.env', '.hidden', '.psd', 'a-b', 'a_b', '-x', '#x', '!x', 'a b', 'x ', '[a]', 'a*',
  'foo', 'foobar', 'barfoo', 'foo.bar', ' #x', 'a\t', '\\a', 'ä', 'café.psd', '日本',
] as const;

function randomTree(rng: Rng, depth: number): Tree {
  const tree: Tree = {};
  const count = depth > 0 && rng.chance(0.05) ? 0 : 1 + rng.int(depth === 0 ? 6 : 4); // some empty dirs
  for (let i = 0; i < count; i++) {
    const name = rng.pick(NAMES);
    if (name in tree) continue;
    tree[name] = depth < 3 && rng.chance(0.45) ? randomTree(rng, depth + 1) : null;
  }
  return tree;
}

function writeTree(dir: string, tree: Tree): void {
  for (const [name, sub] of Object.entries(tree)) {
    const p = join(dir, name);
    if (sub === null) {
      writeFileSync(p, '');
    } else {
      mkdirSync(p);
      writeTree(p, sub);
    }
  }
}

/** Files that survive a top-down walk that prunes ignored directories, sorted. */
function walkKept(tree: Tree, s: Slugignore, prefix = ''): string[] {
  const out: string[] = [];
  for (const [name, sub] of Object.entries(tree)) {
    const p = prefix + name;
    if (s.ignores(p, sub !== null)) continue;
    if (sub === null) out.push(p);
    else out.push(...walkKept(sub, s, `${p}/`));
  }
  return out.sort();
}

/** Every path in the tree, directories with a trailing "/", in walk order. */
function listing(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([name, sub]) =>
    sub === null ? [prefix + name] : [`${prefix}${name}/`, ...listing(sub, `${prefix}${name}/`)],
  );
}

// ---------------------------------------------------------------------------------------------
// Pattern sets: a vocabulary of gitignore shapes, built from the tree vocabulary.

const BASES = ['a', 'b', 'ab', 'x', 'build', 'docs', 'src', 'foo', 'node_modules', '.env', 'a.psd', 'a-b', 'a b', 'ä'];

function randomPattern(rng: Rng): string {
  const base = rng.pick(BASES);
  const other = rng.pick(BASES);
  const shapes: (() => string)[] = [
    () => base, // plain name
    () => rng.pick(['*.psd', '*.PSD', '*.png', '*.txt', '*.bak', '.*', '*', '*.*', '*.psd*']),
    () => `${base}/`, // directories only
    () => `/${base}`, // anchored
    () => `/${base}/`,
    () => `${base}/${other}`, // a slash in the middle anchors
    () => `${base}/*`,
    () => `${base}/*.psd`,
    () => `**/${base}`,
    () => `**/${base}/`,
    () => `${base}/**`,
    () => `${base}/**/`,
    () => `${base}/**/${other}`,
    () => `/**/${base}`,
    () => `**`,
    () => `**/*.psd`,
    () => rng.pick(['?', 'a?', '?b', '??', '?.psd', 'fo?', '.?*']),
    () => rng.pick(['[a-c]', '[a-c]*', '[!a]', '[!a]*', '[^a]', '[ab]*.psd', '[a-b]b', '[.]env', '[]a]', '[!]]', '[[:alpha:]]', '[[:digit:][:punct:]]*']),
    () => rng.pick(['?', '??', '*ä', 'caf?.psd', 'caf??.psd', '[ä]', '日?', '日??????', '[!a]?']), // git counts bytes
    () => rng.pick(['\\#x', '#x', '\\!x', '\\a', 'a\\*', '\\[a]', 'x\\ ', 'a\\ b', 'a\\']),
    () => `${base}${' '.repeat(1 + rng.int(3))}`, // trailing spaces are dropped
    () => `${base}\t`, // a trailing tab is not
    () => rng.pick([` ${base}`, ' #x']), // a leading space is part of the pattern, even before #
    () => rng.pick(['**.psd', 'a**', 'foo**', '**foo', 'a/**b', '**/**/a', 'a/**/**/b', '*/*', '*/', '/*', '/*/', '*/a']),
    () => rng.pick(['[a', 'a[', '[a-', '/', '//', 'a//b', './a', 'a/./b', 'a/']),
    () => `# ${base}`, // comment
    () => '', // blank line
    () => rng.pick(['   ', '\t']),
  ];
  return rng.pick(shapes)();
}

function randomPatterns(rng: Rng): string {
  const n = 1 + rng.int(4);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(randomPattern(rng));
  const eol = rng.chance(0.1) ? '\r\n' : '\n';
  const bom = rng.chance(0.05) ? '\uFEFF' : '';
  return bom + lines.join(eol) + (rng.chance(0.8) ? eol : '');
}

// ---------------------------------------------------------------------------------------------
// The oracle: git itself, with the patterns as the only exclude source.

function gitEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return { ...env, HOME: home, XDG_CONFIG_HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
}

function git(cwd: string, env: NodeJS.ProcessEnv, args: string[]): string {
  const r = spawnSync('git', args, { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** `git ls-files --others`: the untracked files git does not exclude, found top-down as git walks. */
function gitKept(repo: string, env: NodeJS.ProcessEnv, patternsFile: string): string[] {
  const out = git(repo, env, [
    '-c', 'core.excludesFile=/dev/null', '-c', 'core.ignoreCase=false',
    'ls-files', '-z', '--others', `--exclude-from=${patternsFile}`,
  ]);
  return out.split('\0').filter((p) => p !== '').sort();
}

/**
 * `git check-ignore --no-index -v -n` over every path (files and directories, empty ones too):
 * the paths git ignores, itself or through an ignored parent directory. It reads
 * .git/info/exclude (and core.excludesFile, set to /dev/null), so the patterns go there too.
 */
function gitIgnored(repo: string, env: NodeJS.ProcessEnv, paths: string[]): Set<string> {
  const r = spawnSync(
    'git',
    ['-c', 'core.excludesFile=/dev/null', '-c', 'core.ignoreCase=false', 'check-ignore', '--no-index', '--stdin', '-z', '-v', '-n'],
    { cwd: repo, env, input: paths.map((p) => `${p}\0`).join(''), encoding: 'utf8' },
  );
  // exit 1: nothing ignored, still a full answer with -n
  if (r.status !== 0 && r.status !== 1) throw new Error(`git check-ignore failed: ${r.stderr}`);
  const fields = r.stdout.split('\0'); // source, line number, pattern, path
  const ignored = new Set<string>();
  for (let i = 0; i + 3 < fields.length; i += 4) if (fields[i] !== '') ignored.add(fields[i + 3]);
  return ignored;
}

void test('matches git on random trees and pattern sets (oracle)', () => {
  const seed = Number(process.env.SLUGIGNORE_ORACLE_SEED ?? 20240611);
  const trees = Number(process.env.SLUGIGNORE_ORACLE_TREES ?? 200);
  const setsPerTree = 3;
  const rng = new Rng(seed);
  const root = mkdtempSync(join(tmpdir(), 'slugignore-oracle-'));
  const env = gitEnv(root);
  const disagreements: string[] = [];
  let cases = 0;
  try {
    for (let t = 0; t < trees; t++) {
      const tree = randomTree(rng, 0);
      const all = listing(tree);
      const files = all.filter((p) => !p.endsWith('/')).sort();
      const repo = join(root, `t${t}`);
      mkdirSync(repo);
      writeTree(repo, tree);
      // --template= : no hooks and no template info/exclude; the patterns are the one exclude source
      git(repo, env, ['init', '-q', '--template=']);
      mkdirSync(join(repo, '.git', 'info'));
      for (let k = 0; k < setsPerTree; k++) {
        cases++;
        const text = randomPatterns(rng);
        const file = join(root, `t${t}-${k}.patterns`);
        writeFileSync(file, text);
        writeFileSync(join(repo, '.git', 'info', 'exclude'), text);
        const s = parseSlugignore(text);
        const header = `case: tree ${t}, pattern set ${k} (seed ${seed})\n  patterns: ${JSON.stringify(text)}`;
        const footer = `  tree: ${JSON.stringify(all)}`;

        // 1. the files that ship: git ls-files --others vs a top-down walk that prunes
        const expected = gitKept(repo, env, file);
        const kept = walkKept(tree, s);
        if (kept.join('\0') !== expected.join('\0')) {
          disagreements.push([
            `${header}\n  top-down walk vs git ls-files --others:`,
            ...expected.filter((p) => !kept.includes(p)).map((p) => `  path ${JSON.stringify(p)}: git keeps it, slugignore drops it`),
            ...kept.filter((p) => !expected.includes(p)).map((p) => `  path ${JSON.stringify(p)}: git drops it, slugignore keeps it`),
            footer,
          ].join('\n'));
        }

        // 2. every path on its own, directories included: git check-ignore vs ignores(path, isDir)
        const ignored = gitIgnored(repo, env, all.map((p) => p.replace(/\/$/, '')));
        const wrong = all.flatMap((entry) => {
          const isDir = entry.endsWith('/');
          const p = isDir ? entry.slice(0, -1) : entry;
          const ours = s.ignores(p, isDir);
          return ours === ignored.has(p) ? [] : [`  path ${JSON.stringify(entry)}: git check-ignore says ${ignored.has(p) ? 'ignored' : 'not ignored'}, ignores() says ${ours}`];
        });
        if (wrong.length > 0) disagreements.push([`${header}\n  each path vs git check-ignore:`, ...wrong, footer].join('\n'));
        assert.ok(files.length >= expected.length);
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  assert.equal(
    disagreements.length, 0,
    `${disagreements.length} of ${cases * 2} comparisons disagree with git:\n${disagreements.slice(0, 5).join('\n')}`,
  );
});

void test('an empty .slugignore and EMPTY_SLUGIGNORE ignore nothing', () => {
  for (const s of [parseSlugignore(''), EMPTY_SLUGIGNORE]) {
    assert.deepEqual(s.patterns, []);
    assert.deepEqual(s.diagnostics, []);
    assert.equal(s.ignores('a', false), false);
    assert.equal(s.ignores('a/b', true), false);
  }
});

void test('a "!" line is SI001 and skipped; the other lines stay in force', () => {
  const s = parseSlugignore('*.psd\n!keep.psd\r\n  \n# note\n!\ndocs/\n');
  assert.deepEqual(s.patterns, [
    { line: 1, pattern: '*.psd' },
    { line: 6, pattern: 'docs/' },
  ]);
  assert.deepEqual(
    s.diagnostics.map(({ message: _m, ...d }) => d),
    [
      { line: 2, column: 1, endLine: 2, endColumn: 10, severity: 'error', code: 'SI001' },
      { line: 5, column: 1, endLine: 5, endColumn: 2, severity: 'error', code: 'SI001' },
    ],
  );
  const [first] = s.diagnostics;
  assert.match(first.message, /not supported/);
  assert.match(first.message, /skipped/);
  assert.match(first.message, /fix: /);
  assert.match(first.message, /"\\!keep\.psd"/); // how to match a literal "!" name
  // skipped, not honoured: keep.psd is still dropped by *.psd
  assert.equal(s.ignores('keep.psd', false), true);
  assert.equal(s.ignores('docs', true), true);
  assert.equal(s.ignores('docs/keep.txt', false), true);
});

void test('"\\!x" is an escaped literal that matches a file named "!x"', () => {
  const s = parseSlugignore('\\!x\n');
  assert.deepEqual(s.diagnostics, []);
  assert.deepEqual(s.patterns, [{ line: 1, pattern: '\\!x' }]);
  assert.equal(s.ignores('!x', false), true);
  assert.equal(s.ignores('sub/!x', false), true);
  assert.equal(s.ignores('x', false), false);
  assert.equal(s.ignores('\\!x', false), false);
});

void test('"\\#x" matches a file named "#x"; "#x" is a comment; " #x" is a pattern', () => {
  assert.equal(parseSlugignore('\\#x\n').ignores('#x', false), true);
  const comment = parseSlugignore('#x\n');
  assert.deepEqual(comment.patterns, []);
  assert.equal(comment.ignores('#x', false), false);
  assert.equal(parseSlugignore(' #x\n').ignores(' #x', false), true);
});

void test('dir/ matches directories only, and everything below them', () => {
  const s = parseSlugignore('build/\n');
  assert.equal(s.ignores('build', true), true);
  assert.equal(s.ignores('build', false), false); // a file named build ships
  assert.equal(s.ignores('src/build', true), true);
  assert.equal(s.ignores('build/out.js', false), true); // parents are taken into account
  assert.equal(s.ignores('build/deep/er', true), true);
});

void test('CRLF, a byte order mark and trailing spaces are read as git reads them', () => {
  const s = parseSlugignore('\uFEFF*.psd  \r\nlogs\\ \r\n');
  assert.deepEqual(s.patterns, [
    { line: 1, pattern: '*.psd  ' },
    { line: 2, pattern: 'logs\\ ' },
  ]);
  assert.equal(s.ignores('a.psd', false), true);
  assert.equal(s.ignores('logs ', false), true); // escaped trailing space is kept
  assert.equal(s.ignores('logs', false), false);
});

void test('wildcards count bytes as git does: "?" does not match "ä", "??" does', () => {
  assert.equal(parseSlugignore('?\n').ignores('ä', false), false);
  assert.equal(parseSlugignore('??\n').ignores('ä', false), true);
  assert.equal(parseSlugignore('caf?.psd\n').ignores('café.psd', false), false);
  assert.equal(parseSlugignore('*ä\n').ignores('dir/bä', false), true);
});

void test('matching is case-sensitive', () => {
  const s = parseSlugignore('*.psd\n');
  assert.equal(s.ignores('logo.psd', false), true);
  assert.equal(s.ignores('logo.PSD', false), false);
});

void test('the root is never ignored; paths that are not relative throw', () => {
  const s = parseSlugignore('*\n');
  assert.equal(s.ignores('', true), false);
  assert.equal(s.ignores('.', true), false);
  assert.throws(() => s.ignores('/etc/passwd', false), TypeError);
  assert.throws(() => s.ignores('./a', false), TypeError);
  assert.throws(() => s.ignores('../a', false), TypeError);
});
