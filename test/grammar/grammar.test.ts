/**
 * TextMate grammar tests for the Procfile and .slugignore grammars (syntaxes/).
 *
 * The case files next to this one (`*.test.procfile`, `*.test.slugignore`) use the
 * vscode-tmgrammar-test format: a `# SYNTAX TEST "<scope>" "<description>"` header, then source
 * lines, each followed by assertion lines (`#   ^^^ scope - excluded.scope`, or `# <--- scope`
 * for the first columns). The tool runs them with vscode-textmate and Oniguruma, as VS Code does.
 *
 * The runs are self-contained: only the two grammars given with -g are known (the embedded
 * `source.shell` include is reported as "grammar not found" and skipped, which is why the
 * Procfile grammar has its own patterns for the command), and `--config` points at an empty
 * configuration so that the tool loads only the grammars under test.
 *
 * Besides the tool's verdict, this checks that every scope either grammar can emit is asserted
 * by at least one case file, that a wrong assertion does make the tool fail, and that
 * package.json's contributes agrees with the grammar and language-configuration files.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const caseDir = join(root, 'test', 'grammar');

const GRAMMARS = ['syntaxes/procfile.tmLanguage.json', 'syntaxes/slugignore.tmLanguage.json'];
const CASE_FILE = /\.test\.(procfile|slugignore)$/;
// Globs are expanded by the tool itself (relative to cwd = root); they must not match this file.
const CASE_GLOBS = ['test/grammar/*.test.procfile', 'test/grammar/*.test.slugignore'];

const scratch = mkdtempSync(join(tmpdir(), 'slipway-grammar-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
/** An existing configuration without "contributes": the tool then knows only the -g grammars. */
const emptyConfig = join(scratch, 'no-contributes.json');
writeFileSync(emptyConfig, '{}\n');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function readJson(relPath: string): Json {
  return JSON.parse(readFileSync(join(root, relPath), 'utf8')) as Json;
}

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(v: Json | undefined, key: string): Json | undefined {
  return isObject(v) ? v[key] : undefined;
}

/** The tool's entry point, from its package.json "bin" (no npx, no network). */
function toolBin(): string {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('vscode-tmgrammar-test/package.json');
  const bin = field(JSON.parse(readFileSync(pkgPath, 'utf8')) as Json, 'bin');
  const rel = field(bin, 'vscode-tmgrammar-test');
  assert.equal(typeof rel, 'string', 'vscode-tmgrammar-test has a "vscode-tmgrammar-test" bin');
  return join(dirname(pkgPath), rel as string);
}

function runTool(cases: string[]): { status: number | null; output: string } {
  const args = [toolBin(), '--config', emptyConfig];
  for (const g of GRAMMARS) args.push('-g', g);
  const r = spawnSync(process.execPath, [...args, ...cases], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

interface CaseFile {
  file: string;
  /** The scope named in the SYNTAX TEST header. */
  scope: string;
  /** Scopes required by some assertion (the part before " - "). */
  asserted: Set<string>;
}

const HEADER = /^(\S+)\s+SYNTAX\s+TEST\s+"([^"]+)"(?:\s+"([^"]+)")?\s*$/;
// The tool's own assertion syntax (vscode-tmgrammar-test dist/unit/parsing.js), after the comment token.
const UP_ARROW = /^\s*((?:\^+\s*)+)((?:\s*\w[-\w.]*)*)(?:\s*-)?((?:\s*\w[-\w.]*)*)\s*$/;
const LEFT_ARROW = /^(\s*)<(~*)(-+)((?:\s*\w[-\w.]*)*)(?:\s*-)?((?:\s*\w[-\w.]*)*)\s*$/;

function caseFiles(): CaseFile[] {
  return readdirSync(caseDir)
    .filter((name) => CASE_FILE.test(name))
    .sort()
    .map((name) => {
      const lines = readFileSync(join(caseDir, name), 'utf8').split(/\r?\n/);
      const header = HEADER.exec(lines[0] ?? '');
      assert.ok(header, `${name}: first line is a SYNTAX TEST header`);
      const [, token, scope] = header;
      assert.equal(token, '#', `${name}: the comment token is #`);
      const asserted = new Set<string>();
      for (const line of lines.slice(1)) {
        if (!line.startsWith(token)) continue;
        const rest = line.slice(token.length);
        const m = UP_ARROW.exec(rest) ?? LEFT_ARROW.exec(rest);
        if (!m) continue;
        const required = rest.trimStart().startsWith('^') ? m[2] : m[4];
        for (const s of (required ?? '').split(/\s+/)) if (s) asserted.add(s);
      }
      return { file: `test/grammar/${name}`, scope, asserted };
    });
}

/** Every scope a grammar can emit: all `name`/`contentName` strings below the top level. */
function grammarScopes(grammar: Json): Set<string> {
  const scopes = new Set<string>();
  const walk = (v: Json): void => {
    if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (isObject(v)) {
      for (const [key, value] of Object.entries(v)) {
        if ((key === 'name' || key === 'contentName') && typeof value === 'string') {
          for (const s of value.split(/\s+/)) if (s) scopes.add(s);
        } else {
          walk(value);
        }
      }
    }
  };
  // The top-level "name" is the grammar's display name, not a scope.
  assert.ok(isObject(grammar));
  for (const [key, value] of Object.entries(grammar)) if (key !== 'name') walk(value);
  return scopes;
}

void test('vscode-tmgrammar-test passes every case file', () => {
  const cases = caseFiles();
  const scopes = new Set(cases.map((c) => c.scope));
  assert.deepEqual([...scopes].sort(), ['source.procfile', 'source.slugignore'], 'case files cover both grammars');

  const { status, output } = runTool(CASE_GLOBS);
  assert.equal(status, 0, `vscode-tmgrammar-test failed:\n${output}`);
  const passed = output.split('\n').filter((l) => / run successfuly\.$/.test(l));
  assert.equal(passed.length, cases.length, `expected ${cases.length} passing case files:\n${output}`);
  for (const c of cases) {
    assert.ok(passed.some((l) => l.includes(c.file)), `${c.file} reported as passing:\n${output}`);
  }
});

void test('every scope the grammars emit is asserted by a case file', () => {
  const cases = caseFiles();
  for (const path of GRAMMARS) {
    const grammar = readJson(path);
    const scopeName = field(grammar, 'scopeName');
    assert.ok(typeof scopeName === 'string', `${path} has a scopeName`);
    const asserted = new Set(cases.filter((c) => c.scope === scopeName).flatMap((c) => [...c.asserted]));
    const emitted = grammarScopes(grammar);
    assert.ok(emitted.size > 0, `${path} emits scopes`);
    const dynamic = [...emitted].filter((s) => s.includes('$'));
    assert.deepEqual(dynamic, [], `${path}: no capture-dependent scope names (they cannot be enumerated)`);
    const untested = [...emitted].filter((s) => !asserted.has(s)).sort();
    assert.deepEqual(untested, [], `${path}: scopes with no positive assertion in a "${scopeName}" case file`);
  }
});

void test('a wrong scope in a case file makes the tool fail', () => {
  const original = readFileSync(join(caseDir, 'procfile.test.procfile'), 'utf8');
  const right = 'entity.name.function.process-type.web.procfile';
  assert.ok(original.includes(`# <--- ${right}`), 'the web assertion to break is in the case file');
  const wrong = original.replace(`# <--- ${right}`, '# <--- entity.name.function.process-type.wrong.procfile');
  const file = join(scratch, 'wrong.test.procfile');
  writeFileSync(file, wrong);

  const { status, output } = runTool([file]);
  assert.notEqual(status, 0, `the tool accepted a wrong scope:\n${output}`);
  assert.match(output, /missing required scopes: entity\.name\.function\.process-type\.wrong\.procfile/);
  assert.doesNotMatch(output, / run successfuly\./);
});

void test('the Procfile command is embedded shell: own patterns first, then source.shell', () => {
  const grammar = readJson('syntaxes/procfile.tmLanguage.json');
  const repository = field(grammar, 'repository');
  assert.equal(field(field(repository, 'process'), 'contentName'), 'meta.embedded.line.shell');
  const patterns = field(field(repository, 'command'), 'patterns');
  assert.ok(Array.isArray(patterns) && patterns.length > 1);
  assert.deepEqual(patterns[patterns.length - 1], { include: 'source.shell' });
});

void test("package.json's contributes matches the grammars and language configurations", () => {
  const contributes = field(readJson('package.json'), 'contributes');
  const languages = field(contributes, 'languages');
  const grammars = field(contributes, 'grammars');
  assert.ok(Array.isArray(languages) && Array.isArray(grammars));

  const expected = [
    { id: 'procfile', alias: 'Procfile', filename: 'Procfile', scopeName: 'source.procfile', brackets: [] },
    { id: 'slugignore', alias: 'Slug Ignore', filename: '.slugignore', scopeName: 'source.slugignore', brackets: [['[', ']']] },
  ];
  assert.deepEqual(languages.map((l) => field(l, 'id')), expected.map((e) => e.id));
  assert.deepEqual(grammars.map((g) => field(g, 'language')), expected.map((e) => e.id));

  expected.forEach((e, i) => {
    const language = languages[i];
    const grammar = grammars[i];
    assert.deepEqual(field(language, 'aliases'), [e.alias]);
    assert.deepEqual(field(language, 'filenames'), [e.filename]);
    assert.equal(field(language, 'extensions'), undefined, `${e.id}: matched by file name only`);

    const configPath = field(language, 'configuration');
    assert.equal(configPath, `./language-configuration-${e.id}.json`);
    const config = readJson(configPath);
    assert.equal(field(field(config, 'comments'), 'lineComment'), '#');
    assert.deepEqual(field(config, 'brackets'), e.brackets);

    assert.equal(field(grammar, 'scopeName'), e.scopeName);
    const grammarPath = field(grammar, 'path');
    assert.equal(grammarPath, `./syntaxes/${e.id}.tmLanguage.json`);
    assert.ok(existsSync(join(root, grammarPath)));
    assert.equal(field(readJson(grammarPath), 'scopeName'), e.scopeName);
  });
  assert.deepEqual(field(grammars[0], 'embeddedLanguages'), { 'meta.embedded.line.shell': 'shellscript' });
  assert.equal(field(grammars[1], 'embeddedLanguages'), undefined);
});
