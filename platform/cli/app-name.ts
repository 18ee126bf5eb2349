/**
 * Finding the app (CLI.md): `-a NAME` / `--app NAME`, else `$SLIPWAY_APP`, else the app of the
 * current repository's git remote named `slipway`; with none of these, a clear error.
 */
import { spawnSync } from 'node:child_process';
import { APP_NAME_SOURCE } from '../shared/app-name';
import { CliError } from './errors';

export function appFromRemoteUrl(url: string): string | null {
  const m = new RegExp(`/git/(${APP_NAME_SOURCE})\\.git/?$`).exec(url.trim());
  return m ? m[1] : null;
}

export function findApp(flag: string | undefined, cwd = process.cwd()): string {
  if (flag) return flag;
  if (process.env.SLIPWAY_APP) return process.env.SLIPWAY_APP;
  const r = spawnSync('git', ['remote', 'get-url', 'slipway'], { cwd, encoding: 'utf8' });
  if (r.status === 0) {
    const name = appFromRemoteUrl(r.stdout);
    if (name) return name;
  }
  throw new CliError('app_missing', 'no app given: pass -a NAME (or set SLIPWAY_APP, or run inside a repository with a "slipway" git remote)');
}
