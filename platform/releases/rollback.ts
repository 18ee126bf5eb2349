/** Rollback: a new release with an earlier release's slug and config vars. */
import type { RollbackResult } from '../api/schemas';
import { getApp } from '../apps/apps';
import type { PlatformContext } from '../context';
import { invalid } from '../errors';
import { launchRelease, currentRelease, getRelease, toApiRelease } from './releases';

export async function rollback(ctx: PlatformContext, appName: string, version?: number): Promise<RollbackResult> {
  await getApp(ctx, appName);
  return ctx.locks.run(appName, async () => {
    const app = await getApp(ctx, appName);
    const current = await currentRelease(ctx, app);
    if (!current) throw invalid('no_release', `app "${appName}" has no release to roll back; deploy it first`);
    const targetVersion = version ?? current.version - 1;
    if (targetVersion < 1) {
      throw invalid('no_previous_release', `v${current.version} is the first release of "${appName}"; there is nothing before it to roll back to`);
    }
    const target = await getRelease(ctx, app, targetVersion);
    if (target.status === 'failed') {
      throw invalid('release_failed', `v${targetVersion} failed and never went live; pick a release that succeeded (slipway releases -a ${appName})`);
    }
    const { app: next, release } = await launchRelease(ctx, app, {
      description: `Rollback to v${targetVersion}`,
      slugId: target.slugId,
      slugSize: target.slugSize,
      commit: target.commit,
      config: target.config,
      processTypes: target.processTypes,
    });
    const before = current.config;
    const after = target.config;
    return {
      release: toApiRelease(next, release),
      target: targetVersion,
      previous: current.version,
      slugChanged: current.slugId !== target.slugId,
      configChanges: {
        added: Object.keys(after).filter((k) => !(k in before)).sort(),
        removed: Object.keys(before).filter((k) => !(k in after)).sort(),
        changed: Object.keys(after).filter((k) => k in before && before[k] !== after[k]).sort(),
      },
    };
  });
}
