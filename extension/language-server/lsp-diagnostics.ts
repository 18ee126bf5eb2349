/**
 * The platform parsers' diagnostics (platform/shared/procfile.ts, platform/shared/slugignore.ts: lines and
 * columns from 1, UTF-16 columns, end exclusive) as LSP diagnostics (from 0), with the code
 * and the source "slipway".
 */
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic } from 'vscode-languageserver';
import type { Diagnostic as ParserDiagnostic, Severity } from '../../platform/shared/procfile';

export const SOURCE = 'slipway';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  hint: DiagnosticSeverity.Hint,
};

/**
 * `bom`: the text starts with a byte order mark, which the parsers skip (and VS Code never
 * shows, but other editors may keep in the text): columns of line 1 move by one.
 */
export function toLsp(d: ParserDiagnostic, bom = false): Diagnostic {
  const shift = (line: number) => (bom && line === 1 ? 1 : 0);
  return {
    range: {
      start: { line: d.line - 1, character: d.column - 1 + shift(d.line) },
      end: { line: d.endLine - 1, character: d.endColumn - 1 + shift(d.endLine) },
    },
    severity: SEVERITY[d.severity],
    code: d.code,
    source: SOURCE,
    message: d.message,
  };
}

export function unnecessary(d: Diagnostic): Diagnostic {
  return { ...d, tags: [DiagnosticTag.Unnecessary] };
}
