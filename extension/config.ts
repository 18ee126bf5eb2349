/**
 * The extension's settings (`slipway.*`), read in one place. Values are read when needed (not
 * cached), so a change applies to the next action; `affectsPlatform` tells the caller when a
 * change needs the platform connection to be rebuilt.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { resolveHome } from '../platform/discovery/home';

const SECTION = 'slipway';

export interface PlatformSettings {
  /** `$SLIPWAY_HOME` to use: the setting, else the environment variable, else ~/.slipway. */
  home: string;
  autoStart: boolean;
  /** Passed as `--port` / `--router-port` when this window starts the platform; null: the platform's settings.json decides. */
  apiPort: number | null;
  routerPort: number | null;
}

export interface SlugSettings {
  softLimitMiB: number;
  hardLimitMiB: number;
}

function section(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION);
}

function port(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535 ? value : null;
}

/** Expands a leading `~` and makes a relative path absolute against the user's home. */
export function expandHome(path: string): string {
  const p = path.trim();
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return join(homedir(), p.slice(2));
  return isAbsolute(p) ? p : join(homedir(), p);
}

export function platformSettings(): PlatformSettings {
  const c = section();
  const home = c.get<string>('home', '').trim();
  return {
    home: home ? expandHome(home) : resolveHome(process.env),
    autoStart: c.get<boolean>('platform.autoStart', true),
    apiPort: port(c.get('platform.apiPort')),
    routerPort: port(c.get('platform.routerPort')),
  };
}

export function slugSettings(): SlugSettings {
  const c = section();
  return { softLimitMiB: c.get<number>('slug.softLimitMiB', 300), hardLimitMiB: c.get<number>('slug.hardLimitMiB', 500) };
}

/** Whether the status bar shows the folder's predicted slug size (`slipway.slug.statusBar`). */
export function slugStatusBarEnabled(): boolean {
  return section().get<boolean>('slug.statusBar', true);
}

export function logHistoryLines(): number {
  return section().get<number>('logs.historyLines', 10000);
}

/** True when a configuration change means: reconnect to (or restart) the platform. */
export function affectsPlatform(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(`${SECTION}.home`);
}
