/**
 * Config vars: set, unset, reveal and hide. Values are hidden in the tree (••••) until revealed.
 * Keys follow the platform's rule; the platform checks again (one contract).
 */
import * as vscode from 'vscode';
import type { ConfigPatchResult } from '../../platform/api/schemas';
import type { Ctx } from '../ctx';
import { ConfigVarNode } from '../views/nodes';
import { isRecord, stringField } from './args';
import { resolveApp } from './apps';

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function configKeyProblem(key: string): string | null {
  if (!KEY.test(key)) return 'letters, digits and underscores, not starting with a digit (for example GREETING)';
  if (key.startsWith('SLIPWAY_')) return 'SLIPWAY_ is reserved for the platform';
  return null;
}

function describe(app: string, result: ConfigPatchResult, what: string): string {
  return result.release ? `${what} on ${app}: v${result.release.version} is now current.` : `${what} on ${app}: stored; the first deploy carries it.`;
}

/** `slipway.config.set`: from an app, the Config Vars node or a var (edit); `{ app, key, value }` programmatically. */
export async function setConfigCommand(ctx: Ctx, arg?: unknown): Promise<ConfigPatchResult | undefined> {
  const app = await resolveApp(ctx, arg, 'Slipway: Set Config Var');
  if (!app) return undefined;
  let key = arg instanceof ConfigVarNode ? arg.key : stringField(arg, 'key');
  let value = stringField(arg, 'value');
  if (key === undefined) {
    key = (
      await vscode.window.showInputBox({
        title: `Set a config var on ${app}`,
        prompt: 'Key',
        placeHolder: 'GREETING',
        validateInput: (v) => (v.trim() === '' ? null : configKeyProblem(v.trim())),
        ignoreFocusOut: true,
      })
    )?.trim();
    if (!key) return undefined;
  } else {
    const problem = configKeyProblem(key);
    if (problem) throw new Error(`"${key}" is not a valid config var key: ${problem}`);
  }
  if (value === undefined) {
    const current = arg instanceof ConfigVarNode ? arg.value : undefined;
    value = await vscode.window.showInputBox({
      title: `Set ${key} on ${app}`,
      prompt: `Value of ${key} (a new release restarts the app's dynos with it)`,
      value: current,
      ignoreFocusOut: true,
    });
    if (value === undefined) return undefined;
  }
  const change = { set: { [key]: value } };
  const result = await ctx.withClient((c) => c.changeConfig(app, change));
  ctx.log(`config:set ${key} on ${app}${result.release ? ` → v${result.release.version}` : ''}`);
  void ctx.tree.refreshApp(app);
  void vscode.window.showInformationMessage(describe(app, result, `Set ${key}`));
  return result;
}

/** `slipway.config.unset`: from a var's context menu, or asked; `{ app, key }` programmatically. */
export async function unsetConfigCommand(ctx: Ctx, arg?: unknown): Promise<ConfigPatchResult | undefined> {
  const app = await resolveApp(ctx, arg, 'Slipway: Unset Config Var');
  if (!app) return undefined;
  let key = arg instanceof ConfigVarNode ? arg.key : stringField(arg, 'key');
  if (key === undefined) {
    const config = await ctx.withClient((c) => c.config(app));
    const keys = Object.keys(config).sort();
    if (keys.length === 0) {
      void vscode.window.showInformationMessage(`${app} has no config vars.`);
      return undefined;
    }
    key = await vscode.window.showQuickPick(keys, { title: `Unset a config var of ${app}`, placeHolder: 'Key to remove', ignoreFocusOut: true });
    if (!key) return undefined;
  }
  const chosen = key;
  const result = await ctx.withClient((c) => c.changeConfig(app, { unset: [chosen] }));
  ctx.log(`config:unset ${chosen} on ${app}${result.release ? ` → v${result.release.version}` : ''}`);
  void ctx.tree.refreshApp(app);
  void vscode.window.showInformationMessage(describe(app, result, `Removed ${chosen}`));
  return result;
}

function configVarOf(arg: unknown): ConfigVarNode | undefined {
  if (arg instanceof ConfigVarNode) return arg;
  if (isRecord(arg) && typeof arg.app === 'string' && typeof arg.key === 'string') return new ConfigVarNode(arg.app, arg.key, '');
  return undefined;
}

/** `slipway.config.reveal` / `slipway.config.hide`: show or mask one value in the tree. */
export function revealConfigCommand(ctx: Ctx, arg: unknown, revealed: boolean): boolean {
  const node = configVarOf(arg);
  if (!node) return false;
  ctx.tree.setRevealed(node, revealed);
  return true;
}
