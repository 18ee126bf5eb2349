/**
 * Roll back to a release. The confirmation says what it restores: the target's description,
 * its slug (and whether that is other code than the current release's) and the config keys
 * that differ from the current release, read with `client.release()` for both.
 */
import * as vscode from 'vscode';
import type { ReleaseInfo, RollbackResult } from '../../platform/api/schemas';
import type { SlipwayClient } from '../../platform/api/client';
import type { Ctx } from '../ctx';
import { appOf, boolField, numberField } from './args';
import { pickApp } from './pick';
import { ReleaseNode } from '../views/nodes';

export interface RollbackPlan {
  app: string;
  target: ReleaseInfo;
  current: ReleaseInfo | null;
  added: string[];
  removed: string[];
  changed: string[];
  /** The confirmation: a headline and the detail lines. */
  message: string;
  detail: string;
}

const keys = (list: string[]) => list.join(', ');

/** What rolling back `app` to `version` would restore, compared with its current release. */
export async function planRollback(client: SlipwayClient, app: string, version: number): Promise<RollbackPlan> {
  const info = await client.app(app);
  const target = await client.release(app, version);
  const current = info.currentRelease !== null ? await client.release(app, info.currentRelease) : null;
  const before = current?.config ?? {};
  const after = target.config;
  const added = Object.keys(after).filter((k) => !(k in before)).sort();
  const removed = Object.keys(before).filter((k) => !(k in after)).sort();
  const changed = Object.keys(after).filter((k) => k in before && before[k] !== after[k]).sort();
  const [newest] = await client.releases(app, 1);
  const next = (newest?.version ?? 0) + 1;
  const lines: string[] = [];
  lines.push(`Restores v${target.version} "${target.description}" as a new release.`);
  const sameSlug = current !== null && current.slug.id === target.slug.id;
  lines.push(`Code: slug ${target.slug.id.slice(0, 12)}${current ? (sameSlug ? ` (the same code as the current v${current.version})` : ` (replaces ${current.slug.id.slice(0, 12)} of the current v${current.version})`) : ''}.`);
  if (added.length + removed.length + changed.length === 0) lines.push('Config vars: the same as the current release.');
  else {
    if (changed.length) lines.push(`Config vars changed back: ${keys(changed)}.`);
    if (added.length) lines.push(`Config vars restored: ${keys(added)}.`);
    if (removed.length) lines.push(`Config vars removed: ${keys(removed)}.`);
  }
  if (current) lines.push(`Undo: roll back to v${current.version}.`);
  return {
    app,
    target,
    current,
    added,
    removed,
    changed,
    message: `Roll back ${app} to v${target.version}? This creates v${next}.`,
    detail: lines.join('\n'),
  };
}

/** The target of a rollback from its argument, or asked: an app, then one of its releases. */
async function chooseTarget(ctx: Ctx, arg: unknown): Promise<{ app: string; version: number } | undefined> {
  if (arg instanceof ReleaseNode) return { app: arg.app, version: arg.release.version };
  let app = appOf(arg);
  const version = numberField(arg, 'version');
  if (app && version !== undefined) return { app, version };
  if (!app) {
    const apps = await ctx.withClient((c) => c.apps());
    app = (await pickApp(apps, { title: 'Slipway: Roll Back', placeHolder: 'The app to roll back', allowCreate: false }))?.name;
    if (!app) return undefined;
  }
  const chosenApp = app;
  const releases = await ctx.withClient((c) => c.releases(chosenApp));
  const items = releases
    .filter((r) => !r.current && r.status === 'succeeded')
    .map((r) => ({ label: `v${r.version}`, description: r.description, detail: new Date(r.createdAt).toLocaleString(), version: r.version }));
  if (items.length === 0) {
    void vscode.window.showInformationMessage(`${chosenApp} has no earlier release to roll back to.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, { title: `Slipway: Roll Back ${chosenApp}`, placeHolder: 'The release to restore', ignoreFocusOut: true });
  return picked ? { app: chosenApp, version: picked.version } : undefined;
}

/**
 * `slipway.releases.rollback`: from a release's context menu, the palette, or programmatically
 * with `{ app, version, skipConfirmation: true }`. Resolves to the rollback's result.
 */
export async function rollbackCommand(ctx: Ctx, arg?: unknown): Promise<RollbackResult | undefined> {
  const target = await chooseTarget(ctx, arg);
  if (!target) return undefined;
  const plan = await ctx.withClient((c) => planRollback(c, target.app, target.version));
  if (plan.current?.version === plan.target.version) {
    void vscode.window.showInformationMessage(`v${plan.target.version} is already the current release of ${plan.app}.`);
    return undefined;
  }
  if (!boolField(arg, 'skipConfirmation')) {
    const choice = await vscode.window.showWarningMessage(plan.message, { modal: true, detail: plan.detail }, 'Roll Back');
    if (choice !== 'Roll Back') return undefined;
  }
  const result = await ctx.withClient((c) => c.rollback(target.app, target.version));
  ctx.log(`rolled back ${target.app} to v${result.target}: v${result.release.version} is current`);
  void ctx.tree.refreshApp(target.app);
  void vscode.window.showInformationMessage(`Rolled back ${target.app} to v${result.target}: v${result.release.version} is now current.`);
  return result;
}
