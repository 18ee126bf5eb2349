/**
 * Where the platform keeps its state: `$SLIPWAY_HOME` (default `~/.slipway`), laid out as
 *   db/            LevelDB (apps, releases, config)
 *   slugs/         finished slugs, <sha256>.tar.gz (content-addressed, shared between apps)
 *   apps/NAME/     per-app work: build dir, dependency and chunk caches, logs
 *   token          the API bearer token (mode 0600)
 *   settings.json  optional settings (see settings.ts)
 *   platform.json  written atomically once the platform listens: the ready signal
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface HomePaths {
  root: string;
  db: string;
  slugs: string;
  apps: string;
  token: string;
  settings: string;
  platformJson: string;
  log: string;
}

export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.SLIPWAY_HOME && env.SLIPWAY_HOME.length > 0 ? env.SLIPWAY_HOME : join(homedir(), '.slipway');
}

export function homePaths(root: string): HomePaths {
  return {
    root,
    db: join(root, 'db'),
    slugs: join(root, 'slugs'),
    apps: join(root, 'apps'),
    token: join(root, 'token'),
    settings: join(root, 'settings.json'),
    platformJson: join(root, 'platform.json'),
    log: join(root, 'platform.log'),
  };
}

export const appWorkDir = (paths: HomePaths, app: string) => join(paths.apps, app);
