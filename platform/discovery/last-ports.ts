/**
 * `$SLIPWAY_HOME/last-ports.json`: the ports the platform last listened on, written by the
 * platform once both listen and kept after it stops (platform.json is removed then). The
 * CLI's automatic start reads it, so a platform first started on other ports (`--port`, the
 * editor's settings) comes back on them rather than on the defaults — URLs the user has open
 * and git remotes keep working. A port that settings.json names explicitly wins over the memory.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HomePaths } from './home';

export interface LastPorts {
  apiPort: number;
  routerPort: number;
}

export const lastPortsFile = (paths: HomePaths) => join(paths.root, 'last-ports.json');

const isPort = (n: unknown): n is number => Number.isInteger(n) && (n as number) > 0 && (n as number) < 65536;

/** Called by the platform at listen, with the URLs it announces in platform.json. */
export function writeLastPorts(paths: HomePaths, urls: { url: string; routerUrl: string }): void {
  const ports = { apiPort: Number(new URL(urls.url).port), routerPort: Number(new URL(urls.routerUrl).port) };
  if (!isPort(ports.apiPort) || !isPort(ports.routerPort)) return;
  const file = lastPortsFile(paths);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(ports) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}

export function readLastPorts(paths: HomePaths): LastPorts | null {
  try {
    const v = JSON.parse(readFileSync(lastPortsFile(paths), 'utf8')) as Partial<LastPorts>;
    return isPort(v.apiPort) && isPort(v.routerPort) ? { apiPort: v.apiPort, routerPort: v.routerPort } : null;
  } catch {
    return null; // never started here, or damaged: the settings and defaults apply
  }
}

/** The platform's command-line arguments for an automatic start: the last ports, except those settings.json sets. */
export function lastPortsArgs(paths: HomePaths): string[] {
  const last = readLastPorts(paths);
  if (!last) return [];
  let settings: Record<string, unknown> = {};
  try {
    settings = JSON.parse(readFileSync(paths.settings, 'utf8')) as Record<string, unknown>;
  } catch {
    // no settings.json (or unreadable: the platform itself will say so)
  }
  return [...('apiPort' in settings ? [] : ['--port', String(last.apiPort)]), ...('routerPort' in settings ? [] : ['--router-port', String(last.routerPort)])];
}
