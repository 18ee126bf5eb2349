/** Maintenance mode (Heroku's `maintenance:on`/`off`): the router answers H80 for the app. */
import type { PlatformContext } from '../context';
import { appKey } from '../store/db';
import { getApp } from './apps';

export async function getMaintenance(ctx: PlatformContext, name: string): Promise<{ maintenance: boolean }> {
  return { maintenance: (await getApp(ctx, name)).maintenance ?? false };
}

/** Stored, logged as `app[api]`, announced; the router takes it from `ctx.apps`. */
export async function setMaintenance(ctx: PlatformContext, name: string, maintenance: boolean): Promise<{ maintenance: boolean }> {
  await getApp(ctx, name);
  return ctx.locks.run(name, async () => {
    const rec = await getApp(ctx, name);
    await ctx.db.put(appKey(name), { ...rec, maintenance });
    ctx.apps.set(name, { ...(ctx.apps.get(name) ?? { maintenance: false }), maintenance });
    ctx.logs.append(name, 'api', 'api', `Maintenance mode ${maintenance ? 'on' : 'off'}`);
    ctx.events.emit('apps', name);
    return { maintenance };
  });
}
