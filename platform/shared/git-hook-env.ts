/**
 * What the platform hands the pre-receive hook of an app repository. The hook runs as a child
 * of `git http-backend`, which the platform runs for the push, so it inherits that process's
 * environment: the API URL, the token, the app, and how to run the hook program (this node and
 * the bundled CLI, `slipway git:hook`). None of it is written into the repository.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface HookEnv {
  /** The platform API, `http://127.0.0.1:PORT`. */
  url: string;
  token: string;
  app: string;
  /** The node that runs the hook program (the platform's own, process.execPath). */
  node: string;
  /** The bundled CLI (dist/cli.js), whose hidden `git:hook` command is the hook program. */
  cli: string;
}

const NAMES: Record<keyof HookEnv, string> = {
  url: 'SLIPWAY_HOOK_URL',
  token: 'SLIPWAY_HOOK_TOKEN',
  app: 'SLIPWAY_HOOK_APP',
  node: 'SLIPWAY_HOOK_NODE',
  cli: 'SLIPWAY_HOOK_CLI',
};

export function hookEnv(h: HookEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(NAMES) as (keyof HookEnv)[]) out[NAMES[key]] = h[key];
  return out;
}

/** The hook's settings from its environment, or null when git ran it outside a platform push. */
export function readHookEnv(env: NodeJS.ProcessEnv): HookEnv | null {
  const out: Partial<HookEnv> = {};
  for (const key of Object.keys(NAMES) as (keyof HookEnv)[]) {
    const value = env[NAMES[key]];
    if (!value) return null;
    out[key] = value;
  }
  return out as HookEnv;
}

/**
 * The CLI bundle that holds the hook program: next to the platform bundle (dist/platform.js and
 * dist/cli.js sit together), or, when the platform runs from source (tests under tsx), the
 * repository's built dist/cli.js. Null when there is none.
 */
export function hookCliPath(dir = __dirname): string | null {
  for (const candidate of [join(dir, 'cli.js'), join(dir, '..', '..', 'dist', 'cli.js')]) {
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * The pre-receive hook script: a small shell script that only starts the hook program. It holds
 * no secret and no path that may move: the environment of the push says where everything is.
 */
export const PRE_RECEIVE_SCRIPT = `#!/bin/sh
# Written by the Slipway platform, which rewrites it when it serves this repository.
# A push to main or master builds the pushed commit and releases it. The platform passes
# what the hook needs in the environment of git http-backend, never in this repository.
if [ -z "$${NAMES.node}" ] || [ -z "$${NAMES.cli}" ]; then
  echo " !     This repository takes pushes through the Slipway platform only: git push slipway main" >&2
  exit 1
fi
exec "$${NAMES.node}" "$${NAMES.cli}" git:hook
`;
