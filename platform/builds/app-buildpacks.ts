/**
 * An app's custom classic buildpack (buildpacks, buildpacks:set, buildpacks:clear): kept on the
 * app record, used from the next build on. A change makes no release (as on Heroku: it takes
 * effect on the next deploy).
 */
import { getApp } from '../apps/apps';
import type { PlatformContext } from '../context';
import { invalid } from '../errors';
import { appKey } from '../store/db';
import { buildpackProblems } from './classic-buildpack';

export async function getBuildpacks(ctx: PlatformContext, appName: string): Promise<string[]> {
  return (await getApp(ctx, appName)).buildpacks ?? [];
}

/** Sets the app's buildpacks after checking each is a directory with executable bin/detect and bin/compile. */
export async function setBuildpacks(ctx: PlatformContext, appName: string, dirs: string[]): Promise<string[]> {
  await getApp(ctx, appName);
  for (const dir of dirs) {
    const problems = buildpackProblems(dir);
    if (problems.length > 0) {
      throw invalid('buildpack_invalid', `${dir} is not a classic buildpack: ${problems.join('; ')}. A buildpack is a directory with executable bin/detect and bin/compile (bin/release optional)`);
    }
  }
  return store(ctx, appName, dirs, `Set buildpack ${dirs.join(', ')}`);
}

export async function clearBuildpacks(ctx: PlatformContext, appName: string): Promise<string[]> {
  await getApp(ctx, appName);
  return store(ctx, appName, [], 'Cleared buildpacks');
}

function store(ctx: PlatformContext, appName: string, dirs: string[], message: string): Promise<string[]> {
  return ctx.locks.run(appName, async () => {
    const rec = await getApp(ctx, appName);
    const { buildpacks: _old, ...rest } = rec;
    await ctx.db.put(appKey(appName), dirs.length > 0 ? { ...rest, buildpacks: dirs } : rest);
    ctx.logs.append(appName, 'api', 'api', message);
    ctx.events.emit('apps', appName);
    return dirs;
  });
}
