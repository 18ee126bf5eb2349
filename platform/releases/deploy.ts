/**
 * Deploy: build a slug from a local folder and release it. The build runs under the app's lock
 * (one deploy at a time per app, like Heroku); a failed build makes no release and leaves no slug.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { appUrl, getApp } from '../apps/apps';
import { BuildError, buildSlug } from '../builds/build';
import type { PlatformContext } from '../context';
import { PlatformError, invalid } from '../errors';
import { appWorkDir } from '../discovery/home';
import type { ReleaseRecord } from '../store/db';
import { collectSlugGarbage } from '../store/slug-gc';
import { launchRelease } from './releases';

export interface DeployRequest {
  dir: string;
  commit?: string | null;
}

const MiB = 1024 * 1024;

/** Checks that can fail before any output is streamed (so the API can answer a plain 4xx). */
export async function checkDeploy(ctx: PlatformContext, appName: string, req: DeployRequest): Promise<void> {
  await getApp(ctx, appName);
  if (!isAbsolute(req.dir)) throw invalid('dir_not_absolute', `the directory to deploy must be an absolute path, got "${req.dir}"`);
  let st;
  try {
    st = await stat(req.dir);
  } catch {
    throw invalid('dir_missing', `${req.dir}: no such directory; give the folder of the app to deploy`);
  }
  if (!st.isDirectory()) throw invalid('dir_not_directory', `${req.dir} is not a directory; give the folder of the app to deploy`);
}

export async function deploy(
  ctx: PlatformContext,
  appName: string,
  req: DeployRequest,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<ReleaseRecord> {
  await checkDeploy(ctx, appName, req);
  return ctx.locks.run(appName, async () => {
    const app = await getApp(ctx, appName);
    let result;
    try {
      result = await buildSlug({
        app: appName,
        sourceDir: req.dir,
        workDir: appWorkDir(ctx.paths, appName),
        slugsDir: ctx.paths.slugs,
        env: app.config,
        buildpacks: app.buildpacks,
        softLimitBytes: ctx.settings.slugSoftLimitMiB * MiB,
        hardLimitBytes: ctx.settings.slugHardLimitMiB * MiB,
        log,
        // builds run sandboxed exactly when the dynos do (ps and the build output agree)
        sandbox: ctx.dynos.sandboxed,
        hide: [ctx.paths.root],
        caches: ctx.builds,
        signal,
      });
    } catch (err) {
      if (err instanceof BuildError) throw new PlatformError(err.code, err.message, 422);
      throw err;
    }
    if (signal?.aborted) {
      await collectSlugGarbage(ctx, [result.slug.id]);
      throw new PlatformError('deploy_cancelled', 'the deploy was cancelled before its release (its caller went away); nothing was released', 409);
    }
    log('-----> Launching...');
    const commit = req.commit ?? null;
    const { release } = await launchRelease(ctx, app, {
      description: `Deploy ${(commit ?? result.slug.id).slice(0, 7)}`,
      slugId: result.slug.id,
      slugSize: result.slug.size,
      commit,
      config: app.config,
      processTypes: result.processTypes,
    }, log);
    log(`       Released v${release.version}`);
    log(`       ${appUrl(ctx, appName)} deployed to Slipway`);
    return release;
  });
}
