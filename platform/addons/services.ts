/**
 * The add-on catalog: `slipway-postgresql` and `slipway-redis`, Heroku's `heroku-postgresql`
 * and `heroku-redis` as aliases, one plan (`dev`); and where their Debian binaries are.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PlatformError, invalid } from '../errors';
import type { ServiceName } from './records';

export const PLANS = ['dev'] as const;
const ALIASES: Record<string, ServiceName> = {
  'slipway-postgresql': 'slipway-postgresql',
  'heroku-postgresql': 'slipway-postgresql',
  'slipway-redis': 'slipway-redis',
  'heroku-redis': 'slipway-redis',
};

export const serviceKind = (s: ServiceName) => (s === 'slipway-postgresql' ? 'postgresql' : 'redis');

/** `SERVICE[:PLAN]` → the service and plan, or an error listing the valid ones. */
export function parseService(spec: string): { service: ServiceName; plan: string } {
  const [name, plan = 'dev', ...rest] = spec.split(':');
  const service = ALIASES[name];
  if (!service || rest.length > 0) {
    throw invalid('unknown_service', `"${spec}" is not an add-on service; the services are: ${Object.keys(ALIASES).join(', ')} (for example: slipway addons:create heroku-postgresql)`);
  }
  if (!(PLANS as readonly string[]).includes(plan)) {
    throw invalid('unknown_plan', `"${plan}" is not a plan of ${name}; its plans are: ${PLANS.join(', ')} (for example ${name}:dev)`);
  }
  return { service, plan };
}

const executable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The newest of Debian's /usr/lib/postgresql/N/bin, else what pg_config --bindir says. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  try {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (executable(join(root, v, 'bin', 'postgres'))) return join(root, v, 'bin');
  } catch {
    // not Debian's layout: ask pg_config
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (executable(join(dir, 'postgres'))) return dir;
  } catch {
    // no pg_config either
  }
  throw new PlatformError('server_missing', 'PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres, no pg_config); install the Debian package: apt-get install postgresql', 422);
}

export function redisServerBin(): string {
  for (const file of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) if (executable(file)) return file;
  throw new PlatformError('server_missing', 'Redis is not installed (no redis-server); install the Debian package: apt-get install redis-server', 422);
}

export function redisCliBin(): string {
  for (const file of ['/usr/bin/redis-cli', '/usr/local/bin/redis-cli']) if (executable(file)) return file;
  throw new PlatformError('server_missing', 'redis-cli is not installed; install the Debian package: apt-get install redis-tools', 422);
}
