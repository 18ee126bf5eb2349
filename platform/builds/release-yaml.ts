/**
 * Reads `default_process_types` from what a classic buildpack's bin/release prints: the simple
 * YAML subset buildpacks use, with no YAML library:
 *
 *   ---
 *   addons: []
 *   default_process_types:
 *     web: node server.js
 *
 * The key at the start of a line, then indented `name: command` lines up to the next line that
 * is not indented. A command in matching single or double quotes loses them (YAML's escapes are
 * not interpreted); `default_process_types: {}` (or nothing under it) is no types. Comments and
 * other keys (`addons`, `config_vars`) are ignored, and so are names a Procfile could not use.
 */
import { PROCESS_NAME } from '../shared/procfile';

export function parseDefaultProcessTypes(text: string): Record<string, string> {
  const types: Record<string, string> = {};
  let inside = false;
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === '' || raw.trim().startsWith('#')) continue;
    const indented = /^\s/.test(raw);
    if (!indented) {
      inside = /^default_process_types\s*:/.test(raw);
      continue;
    }
    if (!inside) continue;
    const m = /^\s+([^:#\s][^:]*?)\s*:\s+(.*)$/.exec(raw);
    if (!m) continue;
    const name = unquote(m[1]);
    const command = unquote(m[2].trim());
    if (PROCESS_NAME.test(name) && command !== '') types[name] = command;
  }
  return types;
}

function unquote(s: string): string {
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s.endsWith(s[0])) return s.slice(1, -1);
  return s;
}
