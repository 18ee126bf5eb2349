/**
 * The ps verbs as services (Heroku's `ps`, `ps:scale`, `ps:restart`, `ps:stop`, `run`): each
 * validates the app first, then asks the dyno manager (dynos/, the engine) to act.
 */
import type { Formation, ScaleChange } from '../api/schemas';
import { getApp } from '../apps/apps';
import type { PlatformContext } from '../context';
import { invalid } from '../errors';
import { currentRelease, releaseSpec } from '../releases/releases';
import { appKey, type AppRecord } from '../store/db';
import type { TtySize } from '../dynos/pty';
import type { DynoInfo, OneOffIo, OneOffRun } from '../dynos/types';

/** The formation after `changes`, or an error that says what is wrong and what is allowed. */
export function scaledFormation(app: AppRecord, changes: ScaleChange[]): Formation {
  const types = Object.keys(app.processTypes).filter((t) => t !== 'release');
  const next: Formation = { ...app.formation };
  for (const { type, op, count } of changes) {
    if (type === 'release') throw invalid('not_scalable', '"release" is the release phase: it runs once per release and cannot be scaled');
    if (!(type in app.processTypes)) {
      const known = types.length ? `its process types are ${types.join(', ')}` : 'it has no process types yet (deploy it first)';
      throw invalid('unknown_process_type', `app "${app.name}" has no process type "${type}"; ${known}`);
    }
    const current = next[type] ?? 0;
    const value = op === '=' ? count : op === '+' ? current + count : current - count;
    if (value < 0) throw invalid('negative_scale', `cannot scale ${type} to ${value}: it has ${current} dyno(s); the least is 0`);
    if (value > 100) throw invalid('scale_too_large', `cannot scale ${type} to ${value}: at most 100 dynos per type`);
    next[type] = value;
  }
  return next;
}

export async function getFormation(ctx: PlatformContext, appName: string): Promise<Formation> {
  return (await getApp(ctx, appName)).formation;
}

export async function listDynos(ctx: PlatformContext, appName: string): Promise<DynoInfo[]> {
  const app = await getApp(ctx, appName);
  return ctx.dynos.list(app.name);
}

export async function scale(ctx: PlatformContext, appName: string, changes: ScaleChange[]): Promise<Formation> {
  await getApp(ctx, appName);
  return ctx.locks.run(appName, async () => {
    const app = await getApp(ctx, appName);
    const release = await currentRelease(ctx, app);
    if (!release) throw invalid('no_release', `app "${appName}" has no release yet; deploy it before scaling`);
    const formation = scaledFormation(app, changes);
    await ctx.db.put(appKey(appName), { ...app, formation });
    const summary = changes.map((c) => `${c.type}${c.op === '=' ? '=' : c.op}${c.count}`).join(' ');
    ctx.logs.append(appName, 'api', 'api', `Scaled to ${Object.entries(formation).map(([t, n]) => `${t}@${n}`).join(' ')} (ps:scale ${summary})`);
    ctx.events.emit('formation', appName);
    await ctx.dynos.apply(releaseSpec(ctx, release), formation);
    return formation;
  });
}

export async function restart(ctx: PlatformContext, appName: string, target?: string): Promise<DynoInfo[]> {
  const app = await getApp(ctx, appName);
  ctx.logs.append(app.name, 'api', 'api', `Restart ${target ?? 'all dynos'}`);
  return ctx.dynos.restart(app.name, target);
}

export async function stopDyno(ctx: PlatformContext, appName: string, dyno: string): Promise<DynoInfo[]> {
  const app = await getApp(ctx, appName);
  ctx.logs.append(app.name, 'api', 'api', `Stop ${dyno}`);
  return ctx.dynos.stop(app.name, dyno);
}

/** `tty`: run on a pseudo-terminal of that size, with the caller's TERM (pty.ts). */
export async function runOneOff(ctx: PlatformContext, appName: string, command: string, io: OneOffIo, opts: { tty?: TtySize & { term?: string } } = {}): Promise<OneOffRun> {
  const app = await getApp(ctx, appName);
  if (!command.trim()) throw invalid('command_missing', 'give a command to run, like: slipway run -a APP -- node -v');
  const release = await currentRelease(ctx, app);
  if (!release) throw invalid('no_release', `app "${appName}" has no release yet; deploy it before running commands`);
  if (!opts.tty) return ctx.dynos.runOneOff(releaseSpec(ctx, release), command, io);
  const { term, ...size } = opts.tty;
  return ctx.dynos.runOneOff(releaseSpec(ctx, release), command, io, { TERM: term || 'xterm-256color' }, { tty: size });
}
