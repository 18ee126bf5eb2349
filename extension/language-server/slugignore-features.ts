/**
 * `.slugignore` language features, from the platform's matcher (platform/shared/slugignore.ts) and
 * the app folder's file list (file-index.ts):
 *
 * - SI001 (error): a `!` line; negation is unsupported, the line is skipped. Quick fixes:
 *   delete the line (preferred), or escape the `!` to match a name that starts with one.
 * - SI101 (hint, shown faded): a pattern that drops nothing in the folder: no file, link or
 *   directory (an empty directory counts as something).
 * - SI102 (warning): a pattern that drops the root `Procfile`, `package.json` or a lockfile
 *   (`package-lock.json`, `npm-shrinkwrap.json`, `yarn.lock`, `pnpm-lock.yaml`) that the
 *   folder has. One that names such a file the folder does not have gets SI101 instead.
 * - Hover on a pattern: the files and bytes (on disk, before compression) that the line drops
 *   on its own, and, when lines above it drop some of the same files, how many it adds
 *   (what deleting the line would bring back into the slug).
 *
 * The folder is the directory of the `.slugignore` (the app root, PLATFORM.md).
 */
import { CodeActionKind, MarkupKind, type CodeAction, type Diagnostic, type Hover, type Position, type Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic as ParserDiagnostic } from '../../platform/shared/procfile';
import type { FileIndex, Measure } from './file-index';
import { toLsp, unnecessary } from './lsp-diagnostics';
import { deleteLine } from './procfile-features';
import { safeIgnores, slugignoreRules, type SlugignoreRule, type SlugignoreRules } from './slugignore-rules';

/** Root files a build needs, and what goes wrong without each. */
export const NEEDED_FILES: Record<string, string> = {
  Procfile: 'the app would declare no process types (only the default web: npm start would apply)',
  'package.json': 'the Node.js build step would not be detected and no dependencies would be installed',
  'package-lock.json': 'npm install would run instead of npm ci, so dependency versions would no longer be pinned',
  'npm-shrinkwrap.json': 'npm install would run instead of npm ci, so dependency versions would no longer be pinned',
  'yarn.lock': 'dependency versions would no longer be pinned by the lockfile',
  'pnpm-lock.yaml': 'dependency versions would no longer be pinned by the lockfile',
};

const rulesCache = new WeakMap<TextDocument, { version: number; rules: SlugignoreRules }>();

export function rulesOf(doc: TextDocument): SlugignoreRules {
  const hit = rulesCache.get(doc);
  if (hit?.version === doc.version) return hit.rules;
  const rules = slugignoreRules(doc.getText());
  rulesCache.set(doc, { version: doc.version, rules });
  return rules;
}

const hasBom = (doc: TextDocument): boolean => doc.getText({ start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }) === '\uFEFF';

/** The range of a rule's pattern on its line (trailing blanks left out). */
function patternRange(doc: TextDocument, rule: SlugignoreRule): Range {
  const ln = rule.line - 1;
  const shift = ln === 0 && hasBom(doc) ? 1 : 0;
  return { start: { line: ln, character: shift }, end: { line: ln, character: shift + Math.max(1, rule.pattern.trimEnd().length) } };
}

/**
 * Per index version: what each pattern drops on its own (`own`: diagnostics and hovers), and
 * what each line adds to the lines above it (`fresh`: hovers; keyed by the patterns down to
 * that line). A keystroke re-checks only the line it changed. A file event starts over, on a
 * warm path: the matchers keep their answer for every path they were asked about.
 */
const caches = new WeakMap<FileIndex, { version: number; own: Map<string, Measure>; fresh: Map<string, Measure['fresh']> }>();

function cacheOf(index: FileIndex): { own: Map<string, Measure>; fresh: Map<string, Measure['fresh']> } {
  let c = caches.get(index);
  if (!c || c.version !== index.version) {
    c = { version: index.version, own: new Map(), fresh: new Map() };
    caches.set(index, c);
  }
  return c;
}

const EXAMPLES = 5;

function freshKey(rules: SlugignoreRules, rule: SlugignoreRule): string {
  return [...rules.rules.filter((r) => r.line < rule.line).map((r) => r.pattern), rule.pattern].join('\n');
}

/**
 * One walk of the file list for a line: what it drops on its own (cached by its pattern) and,
 * with the lines above it, what it adds to them (cached by the patterns down to it). The walk
 * also warms the line's matcher for every later walk.
 */
function walkLine(index: FileIndex, rules: SlugignoreRules, rule: SlugignoreRule): Measure {
  const c = cacheOf(index);
  const m = index.measure(rule, { except: rules.rules.filter((r) => r.line < rule.line), examples: EXAMPLES });
  c.own.set(rule.pattern, m);
  c.fresh.set(freshKey(rules, rule), m.fresh);
  return m;
}

/** What the line drops on its own. */
function own(index: FileIndex, rules: SlugignoreRules, rule: SlugignoreRule): Measure {
  return cacheOf(index).own.get(rule.pattern) ?? walkLine(index, rules, rule);
}

/** What the line drops that the lines above it do not (all it drops, for the first line). */
function fresh(index: FileIndex, rules: SlugignoreRules, rule: SlugignoreRule): Measure['fresh'] {
  return cacheOf(index).fresh.get(freshKey(rules, rule)) ?? walkLine(index, rules, rule).fresh;
}

/** The NEEDED_FILES that a line drops (only those the folder has). */
function needed(index: FileIndex, rule: SlugignoreRule): string[] {
  return Object.keys(NEEDED_FILES).filter((f) => index.has(f) && safeIgnores(rule.matcher, f, false));
}

/**
 * What diagnostics (`own`) and hovers (`fresh`, when lines above changed) of `doc` still have
 * to compute: one walk of the folder's file list each, for the caller to run between other work (the server runs them
 * one per turn of the event loop, so a request never waits behind all of them).
 */
export function pendingWork(doc: TextDocument, index: FileIndex): { own: (() => void)[]; fresh: (() => void)[] } {
  const rules = rulesOf(doc);
  const c = cacheOf(index);
  return {
    own: rules.rules.filter((r) => !c.own.has(r.pattern)).map((r) => () => void own(index, rules, r)),
    fresh: rules.rules.filter((r) => !c.fresh.has(freshKey(rules, r))).map((r) => () => void fresh(index, rules, r)),
  };
}

/** SI001 always; SI101 and SI102 when the folder's files are known. */
export function slugignoreDiagnostics(doc: TextDocument, index: FileIndex | undefined): Diagnostic[] {
  const rules = rulesOf(doc);
  const bom = hasBom(doc);
  const out: Diagnostic[] = rules.parsed.diagnostics.map((d) => toLsp(d, bom));
  if (!index) return out;
  for (const rule of rules.rules) {
    const drops = own(index, rules, rule);
    const shown = JSON.stringify(rule.pattern.trimEnd());
    const at = (severity: ParserDiagnostic['severity'], code: string, message: string): Diagnostic => {
      const range = patternRange(doc, rule);
      return toLsp({ line: rule.line, column: range.start.character + 1, endLine: rule.line, endColumn: range.end.character + 1, severity, code, message });
    };
    if (drops.files === 0 && drops.dirs === 0) {
      out.push(
        unnecessary(
          at('hint', 'SI101', `${shown} matches nothing in this folder, so it drops nothing; fix: check the spelling and the anchoring ` + '(a leading / matches at the app root only, a trailing / only directories), or delete the line'),
        ),
      );
    }
    for (const f of needed(index, rule)) {
      out.push(at('warning', 'SI102', `${shown} drops ${f}: ${NEEDED_FILES[f]}; fix: narrow the pattern so that it leaves ${f} in (e.g. put the folder it is meant for in front of it), or delete the line`));
    }
  }
  return out.sort((a, b) => a.range.start.line - b.range.start.line);
}

/**
 * "900 B", "512 KiB", "8.3 MiB". (platform/slugs/size.ts has the terse slug form "8.3M"; importing
 * it would bring the slug writer, tar included, into this bundle.)
 */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1).replace(/\.0$/, '')} ${units[unit]}`;
}

const plural = (n: number, word: string): string => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

export function slugignoreHover(doc: TextDocument, pos: Position, index: FileIndex | undefined): Hover | null {
  const rules = rulesOf(doc);
  const negation = rules.parsed.diagnostics.find((d) => d.line === pos.line + 1);
  if (negation) {
    return { contents: { kind: MarkupKind.Markdown, value: '`!` (negation) is not supported in `.slugignore`: this line is skipped and brings nothing back.' } };
  }
  const rule = rules.rules.find((r) => r.line === pos.line + 1);
  if (!rule) return null;
  const range = patternRange(doc, rule);
  if (!index) return { contents: { kind: MarkupKind.Markdown, value: `\`${rule.pattern.trimEnd()}\`: the folder's files are not known yet.` }, range };
  const all = own(index, rules, rule);
  const added = fresh(index, rules, rule);
  const lines: string[] = [];
  const pattern = '`' + rule.pattern.trimEnd().replace(/`/g, '\\`') + '`';
  if (all.files === 0 && all.dirs === 0) {
    lines.push(`${pattern} drops nothing: it matches no file or folder here.`);
  } else {
    const dirs = all.dirs ? ` (${plural(all.dirs, 'folder')} as a whole)` : '';
    lines.push(`${pattern} drops **${plural(all.files, 'file')}**, **${formatBytes(all.bytes)}**${dirs}, of the folder's ${plural(index.files, 'file')} (${formatBytes(index.bytes)}).`);
    if (added.files !== all.files) {
      lines.push(
        added.files === 0
          ? 'The lines above drop all of them already: deleting this line changes nothing.'
          : `The lines above drop the rest already: this line alone removes ${plural(added.files, 'file')}, ${formatBytes(added.bytes)}.`,
      );
    }
    if (all.examples.length) lines.push(all.examples.map((e) => `- \`${e}\``).join('\n') + (all.files + all.dirs > all.examples.length ? '\n- …' : ''));
  }
  lines.push('_Sizes on disk, before compression._');
  return { contents: { kind: MarkupKind.Markdown, value: lines.join('\n\n') }, range };
}

export function slugignoreCodeActions(doc: TextDocument, range: Range, clientDiagnostics: Diagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  const rules = rulesOf(doc);
  for (const d of rules.parsed.diagnostics) {
    const ln = d.line - 1;
    if (ln < range.start.line || ln > range.end.line) continue;
    const diag = clientDiagnostics.find((c) => c.code === d.code && c.range.start.line === ln) ?? toLsp(d, hasBom(doc));
    actions.push({
      title: 'Delete the unsupported negation line',
      kind: CodeActionKind.QuickFix,
      diagnostics: [diag],
      isPreferred: true,
      edit: { changes: { [doc.uri]: [deleteLine(doc, ln)] } },
    });
    const start = ln === 0 && hasBom(doc) ? 1 : 0;
    actions.push({
      title: 'Escape the "!" (match a name that starts with "!")',
      kind: CodeActionKind.QuickFix,
      diagnostics: [diag],
      edit: { changes: { [doc.uri]: [{ range: { start: { line: ln, character: start }, end: { line: ln, character: start } }, newText: '\\' }] } },
    });
  }
  return actions;
}
