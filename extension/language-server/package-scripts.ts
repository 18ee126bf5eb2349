/**
 * The commands a Procfile next to a package.json most likely wants: `npm start`, `npm run
 * SCRIPT` for each script, `node MAIN`. Read from disk (what a deploy builds), cached by the
 * file's size and mtime.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface PackageCommand {
  command: string;
  /** what it runs (the script's text, or the main file) */
  detail: string;
}

const cache = new Map<string, { key: string; commands: PackageCommand[] }>();

export function packageCommands(dir: string): PackageCommand[] {
  const file = join(dir, 'package.json');
  let key: string;
  try {
    const st = statSync(file);
    key = `${st.size}:${st.mtimeMs}`;
  } catch {
    cache.delete(file);
    return [];
  }
  const hit = cache.get(file);
  if (hit?.key === key) return hit.commands;
  const commands = readCommands(file);
  cache.set(file, { key, commands });
  return commands;
}

function readCommands(file: string): PackageCommand[] {
  let pkg: { scripts?: unknown; main?: unknown };
  try {
    pkg = JSON.parse(readFileSync(file, 'utf8')) as typeof pkg;
  } catch {
    return [];
  }
  if (typeof pkg !== 'object' || pkg === null) return [];
  const out: PackageCommand[] = [];
  const scripts = typeof pkg.scripts === 'object' && pkg.scripts !== null ? (pkg.scripts as Record<string, unknown>) : {};
  if (typeof scripts.start === 'string') out.push({ command: 'npm start', detail: scripts.start });
  for (const [name, body] of Object.entries(scripts)) {
    if (name === 'start' || typeof body !== 'string') continue;
    out.push({ command: `npm run ${shellWord(name)}`, detail: body });
  }
  if (typeof pkg.main === 'string' && pkg.main.trim() !== '') out.push({ command: `node ${pkg.main.trim()}`, detail: 'package.json "main"' });
  return out;
}

/** A script name as one shell word (quoted only when it needs it). */
function shellWord(s: string): string {
  return /^[\w:.@/+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
