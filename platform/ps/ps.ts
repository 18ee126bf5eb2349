/**
 * The ps verbs as services (Heroku's `ps`, `ps:scale`, `ps:restart`, `ps:stop`, `run`): each
 * validates the app first, then asks the dyno manager (dynos/, the engine) to act.
 */
import type { Formation, ScaleChange } from '../api/schemas';
import { getApp } from '../apps/apps';
import type { PlatformContext } from '../context';
import { invalid } from '../errors';
import { PROCESS_NAME } from '../shared/procfile';
import { currentRelease, releaseSpec } from '../releases/releases';
import { appKey, type AppRecord } from '../store/db';
import type { TtySize } from '../dynos/pty';
import type { DynoInfo, OneOffIo, OneOffRun } from '../dynos/types';

/** A process type or a dyno name (`web`, `web.1`, `run.1234`): what may reach a log line. */
const DYNO_OR_TYPE = /^[A-Za-z0-9_-]{1,128}(\.[0-9]{1,10})?$/;

function checkDynoName(name: string, what: string): void {
  if (!DYNO_OR_TYPE.test(name)) throw invalid('invalid_dyno_name', `${JSON.stringify(name)} is not a ${what}: write a process type (web) or a dyno (web.1, run.1234)`);
}

/**
 * The formation after `changes`, or an error that says what is wrong and what is allowed. The
 * types are checked against the Procfile rule and the app's own types (Object.hasOwn: never
 * `toString` or `constructor` of Object.prototype); the result has no prototype.
 */
export function scaledFormation(app: AppRecord, changes: ScaleChange[]): Formation {
  const types = Object.keys(app.processTypes).filter((t) => t !== 'release');
  const next: Formation = Object.assign(Object.create(null) as Formation, app.formation);
  for (const { type, op, count } of changes) {
    if (!PROCESS_NAME.test(type)) throw invalid('invalid_process_type', `${JSON.stringify(type)} is not a process type: Procfile process types are 1 to 128 letters, digits, "_" and "-"`);
    if (type === 'release') throw invalid('not_scalable', '"release" is the release phase: it runs once per release and cannot be scaled');
    if (!Object.hasOwn(app.processTypes, type)) {
      const known = types.length ? `its process types are ${types.join(', ')}` : 'it has no process types yet (deploy it first)';
      throw invalid('unknown_process_type', `app "${app.name}" has no process type "${type}"; ${known}`);
    }
    const current = Object.hasOwn(next, type) ? next[type] : 0;
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
  if (target !== undefined) checkDynoName(target, 'dyno or process type');
  ctx.logs.append(app.name, 'api', 'api', `Restart ${target ?? 'all dynos'}`);
  return ctx.dynos.restart(app.name, target);
}

export async function stopDyno(ctx: PlatformContext, appName: string, dyno: string): Promise<DynoInfo[]> {
  const app = await getApp(ctx, appName);
  checkDynoName(dyno, 'dyno');
  ctx.logs.append(app.name, 'api', 'api', `Stop ${dyno}`);
  return ctx.dynos.stop(app.name, dyno);
}

/** `tty`: run on a pseudo-terminal of that size, with the caller's TERM (pty.ts). */
export async function runOneOff(ctx: PlatformContext, appName: string, command: string, io: OneOffIo, opts: { tty?: TtySize & { term?: string } } = {}): Promise<OneOffRun> {
  const app = await getApp(ctx, appName);
  if (!command.trim()) throw invalid('command_missing', 'give a command to run, like: slipway run -a APP -- node -v');
  // NUL cannot be in an argv; the other control characters but tab and newline would reach the log line
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.exec(command);
  if (bad) throw invalid('invalid_command', `the command contains the control character \\u${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} at character ${bad.index + 1}; remove it`);
  const release = await currentRelease(ctx, app);
  if (!release) throw invalid('no_release', `app "${appName}" has no release yet; deploy it before running commands`);
  if (!opts.tty) return ctx.dynos.runOneOff(releaseSpec(ctx, release), command, io);
  const { term, ...size } = opts.tty;
  return ctx.dynos.runOneOff(releaseSpec(ctx, release), command, io, { TERM: term || 'xterm-256color' }, { tty: size });
}
