/**
 * Procfile language features, computed from the text with the platform's parser
 * (platform/shared/procfile.ts), so that the editor flags exactly what a deploy refuses: diagnostics
 * (PF001…PF201), hover on a process type, completion of type names and commands, quick fixes
 * (PF002 rename, PF004 remove the duplicate, PF101 add the space), document symbols and, when
 * the folder's app is deployed, a CodeLens over each type with its dynos and actions.
 */
import {
  CodeActionKind,
  CompletionItemKind,
  MarkupKind,
  SymbolKind,
  type CodeAction,
  type CodeLens,
  type CompletionItem,
  type Diagnostic,
  type DocumentSymbol,
  type Hover,
  type Position,
  type Range,
  type TextEdit,
} from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { parseProcfile, PROCESS_NAME, type ParsedProcfile } from '../../platform/shared/procfile';
import { dynoLine, dynoSummary } from './deployments';
import { toLsp } from './lsp-diagnostics';
import type { PackageCommand } from './package-scripts';
import { LENS_COMMANDS, type Deployment, type LensCommandArgs } from './protocol';

/**
 * The parse of one document version (hover, symbols and lenses ask often), with its lines as
 * the editor counts them (a byte order mark, which the parser skips, stays on line 0).
 */
const parses = new WeakMap<TextDocument, { version: number; parsed: ParsedProcfile; lines: string[] }>();

export function parse(doc: TextDocument): { parsed: ParsedProcfile; lines: string[] } {
  const hit = parses.get(doc);
  if (hit?.version === doc.version) return hit;
  const text = doc.getText();
  const entry = { version: doc.version, parsed: parseProcfile(text), lines: text.split('\n').map((l) => l.replace(/\r$/, '')) };
  parses.set(doc, entry);
  return entry;
}

const hasBom = (doc: TextDocument): boolean => doc.getText({ start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }) === '\uFEFF';

export function procfileDiagnostics(doc: TextDocument): Diagnostic[] {
  const bom = hasBom(doc);
  return parse(doc).parsed.diagnostics.map((d) => toLsp(d, bom));
}

// ---- what each process type does -----------------------------------------------------------

export const TYPE_DOCS: Record<string, string> = {
  web:
    'Receives the router\'s HTTP traffic at `http://APP.localhost:5100/`: the only process type that does. ' +
    'Its command must listen on `$PORT`; a web dyno is up once that port accepts connections. The first deploy scales it to 1.',
  worker: 'A background process: it receives no HTTP traffic. It starts at 0 dynos: scale it up to run it.',
  release:
    'The release phase: runs once per release, as a one-off dyno with the new release\'s slug and config vars, before any dyno ' +
    'restarts (database migrations, cache warm-up). Exit 0 makes the release current; a failure leaves the current release running. Never scaled.',
  clock: 'A background process, by convention a scheduler that starts jobs on a timer (run exactly one). It receives no HTTP traffic and starts at 0 dynos.',
};

export function typeDoc(type: string): string {
  return TYPE_DOCS[type] ?? 'A background process: it receives no HTTP traffic (only `web` does). It starts at 0 dynos: scale it up to run it.';
}

/** The process entry (a line with a colon) under `pos`, with its name range. */
function entryAt(doc: TextDocument, pos: Position): { name: string; colon: number; line: string } | undefined {
  const line = parse(doc).lines[pos.line];
  if (line === undefined || /^\s*(#|$)/.test(line)) return undefined;
  const colon = line.indexOf(':');
  if (colon === -1) return undefined;
  return { name: line.slice(0, colon), colon, line };
}

export function procfileHover(doc: TextDocument, pos: Position, deployment: Deployment | undefined): Hover | null {
  const entry = entryAt(doc, pos);
  if (!entry || pos.character > entry.colon) return null;
  const type = entry.name.trim();
  if (!PROCESS_NAME.test(type)) return null;
  const parts = [`**${type}** (process type)`, typeDoc(type)];
  if (deployment && deployment.release !== null) {
    const dynos = deployment.dynos.filter((d) => d.type === type);
    const head = `**${deployment.app}** v${deployment.release}: ${type}: ${dynoSummary(deployment, type)}`;
    parts.push(dynos.length ? `${head}\n\n${dynos.map((d) => `- ${dynoLine(d)}`).join('\n')}` : head);
  }
  return {
    contents: { kind: MarkupKind.Markdown, value: parts.join('\n\n') },
    range: { start: { line: pos.line, character: 0 }, end: { line: pos.line, character: entry.colon } },
  };
}

// ---- completion --------------------------------------------------------------------------------

const TYPE_NAMES = ['web', 'worker', 'release', 'clock'];

export function procfileCompletion(doc: TextDocument, pos: Position, commands: () => PackageCommand[], triggerCharacter?: string): CompletionItem[] {
  const { parsed, lines } = parse(doc);
  const line = lines[pos.line] ?? '';
  const before = line.slice(0, pos.character);
  const colon = line.indexOf(':');
  if (colon === -1 || pos.character <= colon) {
    // the name part: type names at the start of the line
    if (triggerCharacter === ' ' || !/^[A-Za-z0-9_-]*$/.test(before)) return [];
    const declared = new Set(parsed.processes.filter((p) => p.line !== pos.line + 1).map((p) => p.type));
    const end = colon === -1 ? pos.character : colon;
    const range: Range = { start: { line: pos.line, character: 0 }, end: { line: pos.line, character: end } };
    return TYPE_NAMES.filter((t) => !declared.has(t)).map((t, i) => ({
      label: t,
      kind: CompletionItemKind.Keyword,
      detail: 'process type',
      documentation: { kind: MarkupKind.Markdown, value: typeDoc(t) },
      sortText: String(i),
      textEdit: { range, newText: colon === -1 ? `${t}: ` : t },
    }));
  }
  // the command part: from the first non-blank after the colon to the cursor
  const afterColon = line.slice(colon + 1);
  const blanks = afterColon.length - afterColon.trimStart().length;
  const commandStart = colon + 1 + blanks;
  if (triggerCharacter === ' ' && before.slice(colon + 1).trim() !== '') return []; // a space inside a command
  const start = Math.min(commandStart, pos.character);
  const prefix = pos.character === colon + 1 ? ' ' : '';
  const range: Range = { start: { line: pos.line, character: start }, end: { line: pos.line, character: pos.character } };
  return commands().map((c, i) => ({
    label: c.command,
    kind: CompletionItemKind.Snippet,
    detail: c.detail,
    sortText: String(i).padStart(4, '0'),
    filterText: prefix + c.command,
    textEdit: { range, newText: prefix + c.command },
  }));
}

// ---- quick fixes -------------------------------------------------------------------------------

/** A valid name for an invalid one: trimmed, every run of other characters made a `-`, at most 128. */
export function repairName(name: string): string {
  return name
    .trim()
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 128);
}

const overlaps = (a: Range, b: Range): boolean =>
  !(a.end.line < b.start.line || (a.end.line === b.start.line && a.end.character < b.start.character) || b.end.line < a.start.line || (b.end.line === a.start.line && b.end.character < a.start.character));

/** Deletes line `line` (0-based) with its line break (the one before it, for a last line without one). */
export function deleteLine(doc: TextDocument, line: number): TextEdit {
  if (line + 1 < doc.lineCount) return { range: { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }, newText: '' };
  const text = doc.getText();
  const lineStart = doc.offsetAt({ line, character: 0 });
  const breakLength = line === 0 ? 0 : text.slice(lineStart - 2, lineStart) === '\r\n' ? 2 : 1;
  const start = doc.positionAt(lineStart - breakLength);
  return { range: { start, end: doc.positionAt(text.length) }, newText: '' };
}

export function procfileCodeActions(doc: TextDocument, range: Range, clientDiagnostics: Diagnostic[]): CodeAction[] {
  const actions: CodeAction[] = [];
  const { lines } = parse(doc);
  for (const d of procfileDiagnostics(doc)) {
    if (!overlaps(d.range, range)) continue;
    // hand back the client's own diagnostic when it has it, so the editor links the fix to its squiggle
    const diag = clientDiagnostics.find((c) => c.code === d.code && c.range.start.line === d.range.start.line) ?? d;
    const ln = d.range.start.line;
    const edit = (title: string, edits: TextEdit[], preferred = true): void => {
      actions.push({ title, kind: CodeActionKind.QuickFix, diagnostics: [diag], isPreferred: preferred, edit: { changes: { [doc.uri]: edits } } });
    };
    if (d.code === 'PF002') {
      const line = lines[ln] ?? '';
      const colon = line.indexOf(':');
      const name = repairName(line.slice(0, colon));
      if (colon > 0 && name && PROCESS_NAME.test(name)) {
        edit(`Rename to "${name}"`, [{ range: { start: { line: ln, character: d.range.start.character }, end: { line: ln, character: d.range.end.character } }, newText: name }]);
      }
    } else if (d.code === 'PF004') {
      edit('Remove the duplicate line', [deleteLine(doc, ln)]);
    } else if (d.code === 'PF101') {
      edit('Insert a space after the colon', [{ range: { start: d.range.end, end: d.range.end }, newText: ' ' }]);
    }
  }
  return actions;
}

// ---- symbols and lenses ----------------------------------------------------------------------

export function procfileSymbols(doc: TextDocument): DocumentSymbol[] {
  const { parsed, lines } = parse(doc);
  const bom = hasBom(doc) ? 1 : 0;
  return parsed.processes.map((p) => {
    const ln = p.line - 1;
    const shift = ln === 0 ? bom : 0;
    const text = lines[ln] ?? '';
    return {
      name: p.type,
      detail: p.command,
      kind: SymbolKind.Function,
      range: { start: { line: ln, character: 0 }, end: { line: ln, character: text.length } },
      selectionRange: { start: { line: ln, character: shift }, end: { line: ln, character: p.type.length + shift } },
    };
  });
}

/** "web: 2 up" · Scale · Restart · Logs over each type, when the folder's app has a release. */
export function procfileCodeLenses(doc: TextDocument, deployment: Deployment | undefined): CodeLens[] {
  if (!deployment || deployment.release === null) return [];
  const lenses: CodeLens[] = [];
  for (const s of procfileSymbols(doc)) {
    const type = s.name;
    const args: LensCommandArgs = { app: deployment.app, type };
    const range = s.selectionRange;
    lenses.push({ range, command: { title: `${type}: ${dynoSummary(deployment, type)}`, command: '' } });
    if (type !== 'release') {
      lenses.push({ range, command: { title: 'Scale', command: LENS_COMMANDS.scale, arguments: [args] } });
      if (deployment.dynos.some((d) => d.type === type)) lenses.push({ range, command: { title: 'Restart', command: LENS_COMMANDS.restart, arguments: [args] } });
    }
    lenses.push({ range, command: { title: 'Logs', command: LENS_COMMANDS.logs, arguments: [args] } });
  }
  return lenses;
}
