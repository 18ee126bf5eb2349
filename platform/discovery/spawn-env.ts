/**
 * The environment the platform process is started with (by the CLI, the editor and the
 * benchmarks), and how the platform restores it.
 *
 * Node reads the file named by NODE_EXTRA_CA_CERTS eagerly, before any code runs: with a system
 * bundle that is about 100 ms of every start on these machines (issue 2: start to API ready
 * within 300 ms). The platform itself makes no TLS connection (its API, router and dynos are
 * plain HTTP on loopback), so the variable is handed over under another name and put back into
 * `process.env` by the launcher at once: the programs the platform runs (npm in a build, a
 * buildpack, dynos) see it exactly as the user set it.
 */
const CA_CERTS = 'NODE_EXTRA_CA_CERTS';
const DEFERRED_CA_CERTS = 'SLIPWAY_NODE_EXTRA_CA_CERTS';

/** `base` plus `extra`, with NODE_EXTRA_CA_CERTS deferred until the platform has started. */
export function platformEnv(base: NodeJS.ProcessEnv, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ...extra };
  delete env[DEFERRED_CA_CERTS];
  if (env[CA_CERTS] !== undefined) {
    env[DEFERRED_CA_CERTS] = env[CA_CERTS];
    delete env[CA_CERTS];
  }
  return env;
}

/** In the platform process: puts a deferred NODE_EXTRA_CA_CERTS back for the programs it runs. */
export function restorePlatformEnv(env: NodeJS.ProcessEnv = process.env): void {
  const deferred = env[DEFERRED_CA_CERTS];
  if (deferred === undefined) return;
  env[CA_CERTS] = deferred;
  delete env[DEFERRED_CA_CERTS];
}
