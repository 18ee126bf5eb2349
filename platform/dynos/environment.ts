/**
 * A dyno's environment (PLATFORM.md, Dynos): built from scratch, never the platform's own
 * (which may hold NODE_OPTIONS, test-runner or editor variables). A sane PATH (the user's,
 * so the `node` a build used is the one that runs) and HOME, then the release's config vars,
 * then the caller's extras (a one-off's TERM, say), then what the platform sets.
 */
import type { ReleaseSpec } from './types';

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

export interface DynoEnvInput {
  release: ReleaseSpec;
  dyno: string;
  port: number;
  home: string;
  extra?: Record<string, string>;
  hostEnv?: NodeJS.ProcessEnv;
}

export function dynoEnv({ release, dyno, port, home, extra, hostEnv = process.env }: DynoEnvInput): Record<string, string> {
  const env: Record<string, string> = {
    PATH: hostEnv.PATH && hostEnv.PATH.length > 0 ? hostEnv.PATH : DEFAULT_PATH,
    HOME: home,
  };
  for (const key of ['LANG', 'TZ'] as const) {
    const value = hostEnv[key];
    if (value) env[key] = value;
  }
  Object.assign(env, release.config, extra ?? {});
  env.PORT = String(port);
  env.DYNO = dyno;
  env.SLIPWAY_APP_NAME = release.app;
  env.SLIPWAY_RELEASE_VERSION = `v${release.version}`;
  if (release.commit) env.SLIPWAY_SLUG_COMMIT = release.commit;
  else delete env.SLIPWAY_SLUG_COMMIT;
  return env;
}
