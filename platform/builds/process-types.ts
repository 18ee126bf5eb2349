/**
 * Process types: the Procfile's (validated before anything is built: a deploy fails on any
 * error, naming file, line and reason), else the buildpack's defaults (its `release`: node's
 * `web: npm start` when package.json has a start script, a classic buildpack's bin/release
 * `default_process_types`). No process types at all is a warning.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostic, hasErrors, parseProcfile, type ProcessEntry } from '../shared/procfile';
import type { Slugignore } from '../shared/slugignore';
import { BuildError } from './build-error';
import type { BuildLog } from './build-log';

/** The Procfile's process types, undefined when there is no Procfile (or .slugignore drops it). */
export function readProcfile(sourceDir: string, slugignore: Slugignore): ProcessEntry[] | undefined {
  if (slugignore.ignores('Procfile', false)) return undefined;
  let text: string;
  try {
    text = readFileSync(join(sourceDir, 'Procfile'), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'EISDIR') throw new BuildError('procfile_invalid', 'Procfile is a directory; fix: make it a file with one "NAME: COMMAND" line per process type');
    throw err;
  }
  const parsed = parseProcfile(text);
  if (hasErrors(parsed)) {
    const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
    throw new BuildError(
      'procfile_invalid',
      [`Procfile has ${errors.length === 1 ? 'an error' : `${errors.length} errors`}, so nothing was built:`, ...errors.map((d) => formatDiagnostic('Procfile', d))].join('\n'),
    );
  }
  return parsed.processes;
}

/**
 * The Procfile's types when it declares any (it wins), else the buildpack's defaults; none at
 * all is a warning with the buildpack's advice.
 */
export function discoverProcessTypes(
  procfile: ProcessEntry[] | undefined,
  defaults: Record<string, string>,
  noProcessTypesAdvice: string,
  log: BuildLog,
): Record<string, string> {
  log.step('Discovering process types');
  const types: Record<string, string> = {};
  if (procfile && procfile.length > 0) {
    for (const p of procfile) types[p.type] = p.command;
    log.detail(`Procfile declares types -> ${Object.keys(types).join(', ')}`);
    return types;
  }
  if (Object.keys(defaults).length > 0) {
    log.detail(`Default types for buildpack -> ${Object.keys(defaults).join(', ')}`);
    return { ...defaults };
  }
  log.warn(procfile ? 'The Procfile declares no process types, so there is nothing to run: add a line such as "web: node server.js"' : noProcessTypesAdvice);
  return types;
}
