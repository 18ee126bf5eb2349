/** The log panel's commands: show it on an app (or one dyno or process type), clear it. */
import type { Ctx } from '../ctx';
import type { ShowLogs } from '../logs/log-view';
import { resolveApp } from './apps';
import { dynoTargetOf } from './dynos';

/**
 * `slipway.logs.show`: from an app (every dyno), a process type or a dyno (only that one), the
 * deploy notification's "Show Logs", `{ app, dyno? | type? }`, or the palette (asks for the app).
 */
export async function showLogsCommand(ctx: Ctx, arg?: unknown): Promise<ShowLogs | undefined> {
  const target = dynoTargetOf(arg);
  const app = target?.app ?? (await resolveApp(ctx, arg, 'Slipway: Show Logs'));
  if (!app) return undefined;
  const request: ShowLogs = { app, dyno: target?.dyno ?? target?.type ?? '' };
  await ctx.logs.show(request);
  return request;
}

export function clearLogsCommand(ctx: Ctx): void {
  ctx.logs.clear();
}
