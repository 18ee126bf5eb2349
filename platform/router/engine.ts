/**
 * Which engine serves the router's port (setting `routerEngine`):
 * - `auto` (the default): nginx where it is installed, else the node engine. An nginx that
 *   cannot start (other than a port in use, which is the user's to fix) falls back to the
 *   node engine with a warning, so routing never depends on it.
 * - `nginx`: nginx or an error that says how to install it; `node`: always the node engine.
 * Both engines route, answer and log alike (test/platform/router.test.ts runs on both); the
 * nginx engine does it at about half the CPU per request, most of it nginx's, and reaches about
 * 0.7× the requests/s of a bare nginx where the node engine reaches 0.3–0.4× (README, "Router
 * engines").
 */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { PlatformError } from '../errors';
import type { RouterEngineSetting } from '../settings';
import { createNginxRouter, type NginxRouterOptions } from './nginx/nginx-router';
import { createRouter, type Router } from './router';

/** Where nginx often is without being on a user's PATH. */
const SBIN_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin', '/opt/homebrew/bin'];

/** nginx on PATH or in the sbin directories a user's PATH often lacks; null when absent. */
export function findNginx(dirs: readonly string[] = (process.env.PATH ?? '').split(':').concat(SBIN_DIRS)): string | null {
  for (const dir of dirs) {
    if (!dir) continue;
    const p = join(dir, 'nginx');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

export interface PlatformRouterOptions extends Omit<NginxRouterOptions, 'nginx'> {
  engine: RouterEngineSetting;
  /** The nginx binary; default: findNginx(). null: there is none. */
  nginx?: string | null;
}

export function createPlatformRouter(opts: PlatformRouterOptions): Router {
  const nginx = opts.engine === 'node' ? null : opts.nginx === undefined ? findNginx() : opts.nginx;
  if (opts.engine === 'nginx' && nginx === null) {
    throw new PlatformError('settings_invalid', 'routerEngine is "nginx" but nginx is not installed: install it (apt-get install nginx, brew install nginx) or set routerEngine to "auto" or "node"');
  }
  let current: Router = nginx ? createNginxRouter({ ...opts, nginx }) : createRouter(opts);
  return {
    get engine() {
      return current.engine;
    },
    async listen(port: number, bound?: (port: number) => void): Promise<number> {
      let claimed: number | null = null;
      try {
        return await current.listen(port, (p) => {
          claimed = p;
          bound?.(p);
        });
      } catch (err) {
        if (opts.engine !== 'auto' || current.engine !== 'nginx' || (err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw err;
        opts.warn(`router: ${(err as Error).message}; routing with the node engine instead`);
        current = createRouter(opts);
        // The port already announced, if any (0 would pick another one).
        return current.listen(claimed ?? port, claimed === null ? bound : undefined);
      }
    },
    refresh: () => current.refresh(),
    close: () => current.close(),
  };
}
