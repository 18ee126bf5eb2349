/**
 * Rollback: a new release with an earlier release's slug and config vars. Add-on-owned vars
 * follow the add-ons attached now, never the target's (a rollback never points code at a
 * destroyed database). With `restoreData` the backup captured before the release that followed
 * the target is restored first (the data as the target's code last saw it).
 */
import type { ConfigVars, RollbackResult } from '../api/schemas';
import { getApp } from '../apps/apps';
import type { PlatformContext } from '../context';
import { invalid } from '../errors';
import { addonUrl, attachedAddons, appBackups, releaseAddon } from '../addons/records';
import { checkConfirm } from '../addons/confirm';
import { pgAddon, restoreLocked } from '../addons/backups';
import { getOptional, releaseKey, type ReleaseRecord } from '../store/db';
import { launchRelease, currentRelease, getRelease, toApiRelease } from './releases';

export interface RollbackOptions {
  restoreData?: boolean;
  confirm?: string;
}

export async function rollback(ctx: PlatformContext, appName: string, version?: number, opts: RollbackOptions = {}): Promise<RollbackResult> {
  await getApp(ctx, appName);
  if (opts.restoreData) checkConfirm(appName, opts.confirm, 'a rollback with --restore-data (it replaces the database\'s data)');
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
    // the backup captured before the release that followed the target
    const following = await getOptional<ReleaseRecord>(ctx.db, releaseKey(appName, targetVersion + 1));
    const dataBackup = following?.backup ?? null;
    let restoredBackup: string | null = null;
    if (opts.restoreData) {
      if (!dataBackup) throw invalid('no_data_backup', `no backup was captured before v${targetVersion + 1} (it had no release phase, the app had no PostgreSQL then, or backupBeforeRelease was off); roll back without --restore-data, or restore a backup by hand (slipway pg:backups -a ${appName})`);
      const backup = (await appBackups(ctx.db, appName)).find((b) => b.id === dataBackup && b.status === 'succeeded');
      if (!backup) throw invalid('no_data_backup', `backup ${dataBackup}, captured before v${targetVersion + 1}, is gone (deleted); roll back without --restore-data`);
      const addon = await pgAddon(ctx, appName, backup.addon).catch(() => pgAddon(ctx, appName));
      await restoreLocked(ctx, appName, backup, addon);
      restoredBackup = backup.id;
    }
    const attached = await attachedAddons(ctx.db, appName);
    const ownedThen = new Set((target.addons ?? []).map((a) => a.configVar));
    const config: ConfigVars = {};
    for (const [k, v] of Object.entries(target.config)) if (!ownedThen.has(k) && !attached.some((a) => a.configVar === k)) config[k] = v;
    for (const a of attached) config[a.configVar] = addonUrl(a);
    const addonVarsKept = [...new Set([...ownedThen, ...attached.map((a) => a.configVar)])].filter((k) => target.config[k] !== config[k]).sort();
    const { app: next, release } = await launchRelease(ctx, app, {
      description: `Rollback to v${targetVersion}`,
      slugId: target.slugId,
      slugSize: target.slugSize,
      commit: target.commit,
      config,
      processTypes: target.processTypes,
      addons: attached.map(releaseAddon),
    });
    const before = current.config;
    const after = config;
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
      restoredBackup,
      dataBackup,
      addonVarsKept,
    };
  });
}
