/**
 * The extension's entry: activate builds the context object, registers the command table and
 * begins the platform session without waiting for it (activation stays cheap); deactivate
 * stops the platform only if this window started it.
 */
import type * as vscode from 'vscode';
import { COMMANDS, registerCommands } from './commands';
import { Ctx } from './ctx';
import { SlipwayLanguageClient } from './language-client';
import { registerSlugignoreDecorations } from './views/slugignore-decorations';
import type { SlipwayApi } from './api';

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): SlipwayApi {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  ctx = new Ctx(context);
  const t1 = performance.now();
  registerCommands(ctx);
  ctx.push(new SlipwayLanguageClient(ctx), registerSlugignoreDecorations()); // the server starts once a Procfile or .slugignore is open
  ctx.activationMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const version = (context.extension.packageJSON as { version?: string }).version ?? '?';
  ctx.activationDetail = `Slipway ${version} activated in ${ctx.activationMs.toFixed(1)} ms (context ${(t1 - t0).toFixed(1)}, commands ${(ctx.activationMs - (t1 - t0)).toFixed(1)}; CPU ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms) (home ${ctx.platform.home})`;
  ctx.log(ctx.activationDetail);
  // The platform session (watch $SLIPWAY_HOME, attach, or start in the background) begins on
  // the next turn: activation never waits for it. A command run before then attaches or
  // starts on its own (ctx.client()).
  const c0 = ctx;
  setImmediate(() => {
    if (ctx !== c0) return; // deactivated already
    try {
      c0.startSession();
    } catch (err) {
      c0.showError(err, 'Slipway could not connect to its platform');
    }
  });
  const c = ctx;
  return {
    get activationMs() {
      return c.activationMs;
    },
    get inspect() {
      return c;
    },
    commands: Object.keys(COMMANDS),
  };
}

export async function deactivate(): Promise<void> {
  const c = ctx;
  ctx = undefined;
  await c?.dispose();
}
