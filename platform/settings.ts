/**
 * `settings.json` (every key optional) with the defaults of PLATFORM.md. `platform:start`
 * flags override it for one run. A malformed file is an error that names the file and key,
 * never a silent fallback.
 */
import { readFileSync } from 'node:fs';
import { PlatformError } from './errors';

/** What serves the router's port (router/engine.ts): nginx when installed, or always one of the two. */
export const ROUTER_ENGINES = ['auto', 'node', 'nginx'] as const;
export type RouterEngineSetting = (typeof ROUTER_ENGINES)[number];

export interface Settings {
  apiPort: number;
  routerPort: number;
  bootTimeoutS: number;
  stopGraceS: number;
  releasePhaseTimeoutS: number;
  routerTimeoutS: number;
  slugSoftLimitMiB: number;
  slugHardLimitMiB: number;
  logHistoryLines: number;
  preboot: boolean;
  /** What serves the router's port: `auto` (nginx when installed), `node` or `nginx` (router/engine.ts). */
  routerEngine: RouterEngineSetting;
  /** Capture a data backup before the release phase of an app with PostgreSQL (addons/backups.ts). */
  backupBeforeRelease: boolean;
}

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  apiPort: 5101,
  routerPort: 5100,
  bootTimeoutS: 60,
  stopGraceS: 30,
  releasePhaseTimeoutS: 3600,
  routerTimeoutS: 30,
  slugSoftLimitMiB: 300,
  slugHardLimitMiB: 500,
  logHistoryLines: 100000,
  preboot: true,
  routerEngine: 'auto',
  backupBeforeRelease: true,
});

const PORT_KEYS = new Set(['apiPort', 'routerPort']);

export function validateSettings(input: unknown, source: string): Partial<Settings> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new PlatformError('settings_invalid', `${source}: expected a JSON object of settings`);
  }
  const out: Partial<Record<keyof Settings, number | boolean | string>> & Record<string, number | boolean | string> = {};
  for (const [key, value] of Object.entries(input)) {
    if (!(key in DEFAULT_SETTINGS)) {
      throw new PlatformError(
        'settings_invalid',
        `${source}: unknown setting "${key}"; known settings: ${Object.keys(DEFAULT_SETTINGS).join(', ')}`,
      );
    }
    const dflt = DEFAULT_SETTINGS[key as keyof Settings];
    if (key === 'routerEngine') {
      if (!(ROUTER_ENGINES as readonly unknown[]).includes(value)) {
        throw new PlatformError('settings_invalid', `${source}: "routerEngine" must be one of ${ROUTER_ENGINES.map((e) => `"${e}"`).join(', ')}`);
      }
      out[key] = value as string;
      continue;
    }
    if (typeof dflt === 'boolean') {
      if (typeof value !== 'boolean') throw new PlatformError('settings_invalid', `${source}: "${key}" must be true or false`);
      out[key] = value;
      continue;
    }
    const max = PORT_KEYS.has(key) ? 65535 : Number.MAX_SAFE_INTEGER;
    const min = PORT_KEYS.has(key) ? 0 : 1;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new PlatformError('settings_invalid', `${source}: "${key}" must be an integer from ${min} to ${max}`);
    }
    out[key] = value;
  }
  return out as unknown as Partial<Settings>;
}

export function loadSettings(file: string, overrides: Partial<Settings> = {}): Settings {
  let fromFile: Partial<Settings> = {};
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new PlatformError('settings_invalid', `${file}: not valid JSON (${(err as Error).message})`);
    }
    fromFile = validateSettings(parsed, file);
  }
  return { ...DEFAULT_SETTINGS, ...fromFile, ...overrides };
}
