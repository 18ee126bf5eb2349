/**
 * The words of a 400 for input that breaks a schema's hygiene pattern (api/schemas.ts
 * NO_CONTROL, TEXT_LINES, PROCESS_TYPE, DYNO_OR_TYPE): Ajv's own "must match pattern
 * "^[^\u0000-…]*$"" names the rule, not the character or the fix.
 */
import type { FastifyRequest } from 'fastify';
import { DYNO_OR_TYPE, NO_CONTROL, PROCESS_TYPE, TEXT_LINES } from '../api/schemas';

interface AjvError {
  keyword: string;
  instancePath: string;
  params: { pattern?: string };
}

const NAMES: Record<string, string> = { u0000: 'NUL', u0009: 'tab', u000a: 'newline', u000d: 'carriage return', u001b: 'escape', u007f: 'DEL' };

function charName(c: string): string {
  const code = `u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  return `${NAMES[code] ?? 'control character'} (\\${code})`;
}

function valueAt(root: unknown, path: string): unknown {
  let v = root;
  for (const part of path.split('/').slice(1)) {
    if (typeof v !== 'object' || v === null) return undefined;
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    v = Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined;
  }
  return v;
}

/** A clear message for a hygiene-pattern failure, or null for any other validation error. */
export function hygieneMessage(req: FastifyRequest, errors: unknown, context: string | undefined): string | null {
  if (!Array.isArray(errors)) return null;
  const err = (errors as AjvError[]).find((e) => e.keyword === 'pattern' && [NO_CONTROL, TEXT_LINES, PROCESS_TYPE, DYNO_OR_TYPE].includes(e.params.pattern ?? ''));
  if (!err) return null;
  const source = context === 'querystring' ? req.query : context === 'params' ? req.params : req.body;
  const value = valueAt(source, err.instancePath);
  const where = `${context ?? 'body'}${err.instancePath.replace(/\//g, '.')}`;
  const text = typeof value === 'string' ? value : '';
  const bad = [...text].findIndex((c) => /[\u0000-\u001f\u007f]/.test(c) && !(err.params.pattern === TEXT_LINES && /[\t\n\r]/.test(c)));
  if (err.params.pattern === PROCESS_TYPE) return `${where} ${JSON.stringify(text)} is not a process type: Procfile process types are 1 to 128 letters, digits, "_" and "-" (for example web or worker)`;
  if (err.params.pattern === DYNO_OR_TYPE && bad < 0) return `${where} ${JSON.stringify(text)} is not a dyno or process type: write web, or web.1, run.1234`;
  const at = bad >= 0 ? ` a ${charName([...text][bad])} at character ${bad + 1}` : ' a control character';
  const allowed = err.params.pattern === TEXT_LINES ? ' (tab and newline are allowed)' : '';
  return `${where} contains${at}: control characters cannot reach an environment, a command line, a path or a log line${allowed}; remove it`;
}
