/** Apps: create, open in the browser, destroy (confirmed by typing the name). */
import * as vscode from 'vscode';
import type { App } from '../../platform/api/schemas';
import type { Ctx } from '../ctx';
import { AppNode } from '../views/nodes';
import { appOf, stringField } from './args';
import { appNameProblem, askNewAppName, pickApp } from './pick';

/** The app the argument names, or one picked from the palette. */
export async function resolveApp(ctx: Ctx, arg: unknown, title: string): Promise<string | undefined> {
  const app = appOf(arg);
  if (app) return app;
  const apps = await ctx.withClient((c) => c.apps());
  return (await pickApp(apps, { title, placeHolder: 'Which app?', allowCreate: false }))?.name;
}

/** `slipway.apps.create`, or `{ name }` programmatically. */
export async function createAppCommand(ctx: Ctx, arg?: unknown): Promise<App | undefined> {
  const existing = (await ctx.withClient((c) => c.apps())).map((a) => a.name);
  let name = stringField(arg, 'name');
  if (name !== undefined) {
    const problem = appNameProblem(name, existing);
    if (problem) throw new Error(`cannot create "${name}": ${problem}`);
  } else {
    name = await askNewAppName(existing);
  }
  if (!name) return undefined;
  const chosen = name;
  const app = await ctx.withClient((c) => c.createApp(chosen));
  ctx.log(`created app ${app.name}`);
  ctx.tree.refresh();
  void vscode.window.showInformationMessage(`Created ${app.name}. Deploy a folder to it with "Slipway: Deploy".`);
  return app;
}

/** `slipway.apps.open`: the app's router URL in the browser. */
export async function openAppCommand(ctx: Ctx, arg?: unknown): Promise<string | undefined> {
  const url = arg instanceof AppNode ? arg.app.url : undefined;
  const name = url ? undefined : await resolveApp(ctx, arg, 'Slipway: Open App');
  const target = url ?? (name ? (await ctx.withClient((c) => c.app(name))).url : undefined);
  if (!target) return undefined;
  await vscode.env.openExternal(vscode.Uri.parse(target));
  return target;
}

/**
 * `slipway.apps.destroy`: asks for the name to be typed; `{ app, confirm: app }` skips the
 * question programmatically.
 */
export async function destroyAppCommand(ctx: Ctx, arg?: unknown): Promise<boolean> {
  const app = await resolveApp(ctx, arg, 'Slipway: Destroy App');
  if (!app) return false;
  let typed = stringField(arg, 'confirm');
  if (typed === undefined) {
    typed = await vscode.window.showInputBox({
      title: `Destroy ${app}`,
      prompt: `This removes ${app}, its dynos, releases, slugs and logs; it cannot be undone. Type the app's name to confirm.`,
      placeHolder: app,
      validateInput: (v) => (v === '' || v === app ? null : `type "${app}" exactly`),
      ignoreFocusOut: true,
    });
  }
  if (typed !== app) {
    if (typed !== undefined && typed !== '') void vscode.window.showWarningMessage(`Not destroyed: "${typed}" is not "${app}".`);
    return false;
  }
  await ctx.withClient((c) => c.destroyApp(app));
  ctx.log(`destroyed app ${app}`);
  ctx.tree.refresh();
  void vscode.window.showInformationMessage(`Destroyed ${app}.`);
  return true;
}
