/**
 * The Procfile parser: pure (no Node APIs), shared by the platform (deploys) and the
 * language server (editor diagnostics), so that the editor never disagrees with a deploy.
 *
 * Rules (docs PLATFORM.md "Procfile"): one process type a line, `NAME: COMMAND`; blank lines
 * and lines whose first non-blank character is `#` are ignored; CRLF is accepted; the command
 * is everything after the first colon, trimmed, and may contain colons; a missing final
 * newline is fine. A leading UTF-8 byte order mark is skipped (editors hide it too).
 *
 * Positions count from 1. Columns count UTF-16 code units, as JavaScript strings and the
 * Language Server Protocol do; `endColumn` is exclusive. Every diagnostic stays on one line.
 */

export type Severity = 'error' | 'warning' | 'hint';

export interface Diagnostic {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: Severity;
  code: string;
  /** What is wrong and how to fix it ("…; fix: …"). */
  message: string;
}

export interface ProcessEntry {
  type: string;
  command: string;
  line: number;
}

export interface ParsedProcfile {
  /** The process types in file order; a line with an error is never here. */
  processes: ProcessEntry[];
  diagnostics: Diagnostic[];
}

/** A process type name, as the Heroku API accepts it. */
export const PROCESS_NAME = /^[A-Za-z0-9_-]{1,128}$/;

/** A DNS label (RFC 1123), what Kubernetes and Dokku accept as a process name. */
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

const EXAMPLE = '"web: npm start"';

export function parseProcfile(text: string): ParsedProcfile {
  const processes: ProcessEntry[] = [];
  const diagnostics: Diagnostic[] = [];
  /** First line that declared each (valid) name, whether or not that line had other errors. */
  const declaredOn = new Map<string, number>();

  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = body.split('\n');

  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const at = (start: number, end: number, severity: Severity, code: string, message: string): void => {
      // start/end are 0-based offsets into the line; keep every range at least one column wide.
      const endCol = Math.max(end, start + 1);
      diagnostics.push({ line: lineNo, column: start + 1, endLine: lineNo, endColumn: endCol + 1, severity, code, message });
    };

    const firstNonBlank = line.search(/\S/);
    if (firstNonBlank === -1 || line[firstNonBlank] === '#') return;

    const colon = line.indexOf(':');
    if (colon === -1) {
      at(firstNonBlank, line.trimEnd().length, 'error', 'PF001',
        `line has no colon, so it declares no process type; fix: write it as NAME: COMMAND, e.g. ${EXAMPLE}, ` +
        'or start it with # to make it a comment');
      return;
    }

    const name = line.slice(0, colon);
    const rawCommand = line.slice(colon + 1);
    const command = rawCommand.trim();
    let hasError = false;

    if (!PROCESS_NAME.test(name)) {
      hasError = true;
      if (name.length === 0) {
        at(colon, colon + 1, 'error', 'PF002',
          `invalid process type name "": the line starts with the colon; fix: put a name before it, e.g. ${EXAMPLE}`);
      } else {
        at(0, colon, 'error', 'PF002', invalidNameMessage(name));
      }
    } else {
      const first = declaredOn.get(name);
      if (first !== undefined) {
        hasError = true;
        at(0, colon, 'error', 'PF004',
          `duplicate process type "${name}": it is already declared on line ${first}; ` +
          `fix: delete one of the two lines, or rename this one (each type runs one command)`);
      } else {
        declaredOn.set(name, lineNo);
      }
    }

    if (command.length === 0) {
      hasError = true;
      at(colon, line.trimEnd().length, 'error', 'PF003',
        `process type "${name.trim()}" has an empty command; fix: write the command to run after the colon, ` +
        `e.g. ${EXAMPLE}, or delete the line`);
    }

    if (hasError) return;

    if (!/^\s/.test(rawCommand)) {
      at(colon, colon + 1, 'warning', 'PF101',
        `no space after the colon (Overmind and some Procfile tools require one); ` +
        `fix: write "${name}: ${command}"`);
    }

    if (!DNS_LABEL.test(name)) {
      const suggestion = dnsLabelFor(name);
      at(0, colon, 'warning', 'PF102',
        `process type "${name}" is not a DNS label (lowercase letters, digits and -, at most 63 characters, ` +
        `starting and ending with a letter or digit), so it cannot be exported to Kubernetes or Dokku unchanged; ` +
        `fix: rename it${suggestion ? `, e.g. to "${suggestion}"` : ''}`);
    }

    if (name === 'web' && !command.includes('PORT')) {
      const start = colon + 1 + rawCommand.search(/\S/);
      at(start, start + command.length, 'hint', 'PF201',
        'the web command never mentions PORT: the router sends traffic to the port in $PORT; ' +
        'fix: make the server listen on $PORT (e.g. "web: node server.js --port $PORT"), ' +
        'or ignore this hint if the app reads process.env.PORT itself');
    }

    processes.push({ type: name, command, line: lineNo });
  });

  diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
  return { processes, diagnostics };
}

export function hasErrors(p: { diagnostics: Diagnostic[] }): boolean {
  return p.diagnostics.some((d) => d.severity === 'error');
}

/** `Procfile:3:1: error PF002: invalid process type name " web" …; fix: …` */
export function formatDiagnostic(file: string, d: Diagnostic): string {
  return `${file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`;
}

function invalidNameMessage(name: string): string {
  const shown = JSON.stringify(name);
  const trimmed = name.trim();
  let reason: string;
  if (trimmed !== name) {
    reason = 'it has spaces around it';
  } else if (name.length > 128) {
    reason = `it is ${name.length} characters long, the limit is 128`;
  } else {
    const bad = [...new Set(name.replace(/[A-Za-z0-9_-]/g, ''))].map((c) => JSON.stringify(c)).join(', ');
    reason = `it contains ${bad}; a name may only use letters, digits, _ and -`;
  }
  const suggestion = validNameFor(name);
  const fix = suggestion
    ? `write "${suggestion}: COMMAND" (no spaces before the colon, or at the start of the line)`
    : 'use letters, digits, _ and - only, e.g. "web" or "worker"';
  return `invalid process type name ${shown}: ${reason}; fix: ${fix}`;
}

function validNameFor(name: string): string {
  return name.trim().replace(/\s+/g, '-').replace(/[^A-Za-z0-9_-]/g, '').slice(0, 128);
}

function dnsLabelFor(name: string): string {
  return name.toLowerCase().replace(/_/g, '-').replace(/[^a-z0-9-]/g, '').slice(0, 63).replace(/^-+|-+$/g, '');
}
