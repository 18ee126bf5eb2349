/**
 * The dyno verbs of the tree and the palette: scale, restart, stop, and maintenance mode.
 *
 * Each takes a tree node (an app, its Dynos or Formation node, a process type, a dyno), a plain
 * object (`{ app, changes: 'web=2' }`, `{ app, dyno: 'web.1' }`, `{ app, type: 'worker' }`), or
 * nothing (then it asks). The tree updates from the platform's events (formation, dynos); the
 * commands only say what they did.
 */
import * as vscode from 'vscode';
import type { Dyno, Formation } from '../../platform/api/schemas';
import type { ScaleChange } from '../../platform/api/client';
import type { Ctx } from '../ctx';
import { DynoNode, ProcessTypeNode } from '../views/nodes';
import { appOf, isRecord, numberField, stringField } from './args';
import { resolveApp } from './apps';
import { formationSpec, parseScaleSpec, scaleText } from './scale-spec';

export interface DynoTarget {
  app: string;
  /** one dyno (`web.1`) */
  dyno?: string;
  /** one process type (`web`) */
  type?: string;
}

/** The app, and the dyno or process type if any, that a command argument names. */
export function dynoTargetOf(arg: unknown): DynoTarget | undefined {
  if (arg instanceof DynoNode) return { app: arg.app, dyno: arg.dyno.name, type: arg.dyno.type };
  if (arg instanceof ProcessTypeNode) return { app: arg.app, type: arg.type };
  const app = appOf(arg);
  if (!app) return undefined;
  const dyno = stringField(arg, 'dyno');
  const type = stringField(arg, 'type') ?? (dyno ? dyno.replace(/\.\d+$/, '') : undefined);
  return { app, ...(dyno ? { dyno } : {}), ...(type ? { type } : {}) };
}

async function resolveTarget(ctx: Ctx, arg: unknown, title: string): Promise<DynoTarget | undefined> {
  const target = dynoTargetOf(arg);
  if (target) return target;
  const app = await resolveApp(ctx, arg, title);
  return app ? { app } : undefined;
}

/** Changes given programmatically: `changes: 'web=2 worker+1'`, `changes: [{ type, op, count }]`, or `{ type, count }`. */
function changesOf(arg: unknown): ScaleChange[] | string | undefined {
  if (!isRecord(arg)) return undefined;
  const { changes } = arg;
  if (typeof changes === 'string') {
    const spec = parseScaleSpec(changes);
    return 'problem' in spec ? spec.problem : spec.changes;
  }
  if (Array.isArray(changes)) return changes as ScaleChange[];
  const type = stringField(arg, 'type');
  const count = numberField(arg, 'count');
  if (type !== undefined && count !== undefined) return [{ type, op: '=', count }];
  return undefined;
}

/** What the platform will refuse anyway, said while typing: unknown types. */
function unknownType(changes: readonly ScaleChange[], formation: Formation): string | null {
  const unknown = changes.find((c) => !(c.type in formation));
  if (!unknown) return null;
  const types = Object.keys(formation);
  return `no process type "${unknown.type}"; ${types.length ? `the types are ${types.join(', ')}` : 'deploy the app first'}`;
}

async function askChanges(app: string, formation: Formation, type: string | undefined): Promise<ScaleChange[] | undefined> {
  if (type !== undefined) {
    const current = formation[type] ?? 0;
    const text = await vscode.window.showInputBox({
      title: `Scale ${type} of ${app}`,
      prompt: `How many ${type} dynos? N, +N or -N (now ${current}; 0 stops them all)`,
      value: String(current),
      valueSelection: [0, String(current).length],
      validateInput: (v) => {
        const spec = parseScaleSpec(v, type);
        return 'problem' in spec ? spec.problem : unknownType(spec.changes, formation);
      },
      ignoreFocusOut: true,
    });
    if (text === undefined) return undefined;
    const spec = parseScaleSpec(text, type);
    return 'changes' in spec ? spec.changes : undefined;
  }
  const now = formationSpec(formation);
  const text = await vscode.window.showInputBox({
    title: `Scale ${app}`,
    prompt: `TYPE=N, TYPE+N or TYPE-N, separated by spaces (now ${now})`,
    placeHolder: 'web=2 worker+1',
    value: now,
    validateInput: (v) => {
      const spec = parseScaleSpec(v);
      return 'problem' in spec ? spec.problem : unknownType(spec.changes, formation);
    },
    ignoreFocusOut: true,
  });
  if (text === undefined) return undefined;
  const spec = parseScaleSpec(text);
  return 'changes' in spec ? spec.changes : undefined;
}

/**
 * `slipway.ps.scale`: from an app, its Dynos or Formation node (an input box with the formation
 * to edit: `web=2 worker+1`), from a process type (its count), or `{ app, changes }`.
 * Resolves to the new formation.
 */
export async function scaleCommand(ctx: Ctx, arg?: unknown): Promise<Formation | undefined> {
  const target = await resolveTarget(ctx, arg, 'Slipway: Scale');
  if (!target) return undefined;
  const { app } = target;
  let changes = changesOf(arg);
  if (typeof changes === 'string') throw new Error(changes);
  if (!changes) {
    const formation = await ctx.withClient((c) => c.formation(app));
    if (Object.keys(formation).length === 0) {
      void vscode.window.showInformationMessage(`${app} has no process types yet: deploy it first, then scale.`);
      return undefined;
    }
    changes = await askChanges(app, formation, target.type);
    if (!changes) return undefined;
  }
  const chosen = changes;
  const formation = await ctx.withClient((c) => c.scale(app, chosen));
  ctx.log(`ps:scale ${scaleText(chosen)} on ${app} → ${formationSpec(formation)}`);
  void ctx.tree.refreshApp(app);
  void vscode.window.showInformationMessage(`Scaled ${app} to ${formationSpec(formation)}.`);
  return formation;
}

/**
 * `slipway.ps.restart`: one dyno, one process type, or every dyno of the app (from the app, its
 * Dynos node or the palette). `{ app, dyno }` / `{ app, type }` / `{ app }` programmatically.
 */
export async function restartCommand(ctx: Ctx, arg?: unknown): Promise<Dyno[] | undefined> {
  const target = await resolveTarget(ctx, arg, 'Slipway: Restart Dynos');
  if (!target) return undefined;
  const what = target.dyno ?? target.type;
  const dynos = await ctx.withClient((c) => c.restart(target.app, what));
  ctx.log(`ps:restart ${what ?? 'all'} on ${target.app}: ${dynos.map((d) => d.name).join(', ') || 'none'}`);
  ctx.tree.refreshGroup(target.app, 'dynos');
  const text =
    dynos.length === 0
      ? `${target.app} has no ${what ? `${what} ` : ''}dynos to restart: scale a process type up first.`
      : `Restarting ${what ?? 'all dynos'} of ${target.app} (${dynos.map((d) => d.name).join(', ')}).`;
  void vscode.window.showInformationMessage(text);
  return dynos;
}

/** `slipway.ps.stop`: one dyno (a formation dyno starts again: to keep it down, scale). */
export async function stopDynoCommand(ctx: Ctx, arg?: unknown): Promise<Dyno[] | undefined> {
  const target = await resolveTarget(ctx, arg, 'Slipway: Stop Dyno');
  if (!target) return undefined;
  let dyno = target.dyno;
  if (!dyno) {
    const dynos = await ctx.withClient((c) => c.dynos(target.app));
    const candidates = dynos.filter((d) => !target.type || d.type === target.type);
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage(`${target.app} has no dynos running.`);
      return undefined;
    }
    dyno = (
      await vscode.window.showQuickPick(
        candidates.map((d) => ({ label: d.name, description: `${d.state} · v${d.release}`, detail: d.command })),
        { title: `Slipway: Stop a dyno of ${target.app}`, placeHolder: 'The dyno to stop', ignoreFocusOut: true },
      )
    )?.label;
    if (!dyno) return undefined;
  }
  const chosen = dyno;
  const dynos = await ctx.withClient((c) => c.stopDyno(target.app, chosen));
  ctx.log(`ps:stop ${chosen} on ${target.app}`);
  ctx.tree.refreshGroup(target.app, 'dynos');
  void vscode.window.showInformationMessage(`Stopping ${chosen} of ${target.app}. A formation dyno starts again; to keep it down, scale its type.`);
  return dynos;
}

/** `slipway.maintenance.on` / `.off`: the router answers 503 (H80) while it is on. */
export async function maintenanceCommand(ctx: Ctx, arg: unknown, on: boolean): Promise<boolean | undefined> {
  const app = appOf(arg) ?? dynoTargetOf(arg)?.app ?? (await resolveApp(ctx, arg, `Slipway: Maintenance Mode ${on ? 'On' : 'Off'}`));
  if (!app) return undefined;
  const { maintenance } = await ctx.withClient((c) => c.maintenance(app, on));
  ctx.log(`maintenance:${maintenance ? 'on' : 'off'} on ${app}`);
  void vscode.window.showInformationMessage(
    maintenance ? `Maintenance mode is on for ${app}: the router answers 503 (H80) until you turn it off.` : `Maintenance mode is off for ${app}: the router sends requests to its web dynos again.`,
  );
  return maintenance;
}
