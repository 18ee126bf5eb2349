/** The platform verbs: start, stop, show its log, and the status bar's action menu. */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { PlatformFile } from '../../platform/discovery/platform-file';
import type { Ctx } from '../ctx';
import { boolField } from './args';

export async function startPlatformCommand(ctx: Ctx): Promise<PlatformFile> {
  const platform = ctx.platform;
  if (platform.state === 'running' && platform.info) {
    void vscode.window.showInformationMessage(`The Slipway platform is already running at ${platform.info.url}.`);
    return platform.info;
  }
  const info = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Starting the Slipway platform' }, () => platform.start());
  ctx.tree.refresh();
  return info;
}

/** Stops the platform (all dynos get SIGTERM). One started elsewhere is stopped only after a confirmation (skipped by `{ skipConfirmation: true }`). */
export async function stopPlatformCommand(ctx: Ctx, arg?: unknown): Promise<boolean> {
  const platform = ctx.platform;
  platform.check();
  if (platform.state !== 'running' && platform.state !== 'starting') {
    void vscode.window.showInformationMessage('The Slipway platform is not running.');
    return false;
  }
  if (!platform.owned && !boolField(arg, 'skipConfirmation')) {
    const choice = await vscode.window.showWarningMessage(
      'Stop the Slipway platform?',
      { modal: true, detail: 'It was started outside this window (by the slipway command line or another window). Its apps stop for every client until it is started again.' },
      'Stop Platform',
    );
    if (choice !== 'Stop Platform') return false;
  }
  const client = platform.state === 'running' ? await ctx.client({ start: false }) : null;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Stopping the Slipway platform' }, () =>
    platform.stop(client ? () => client.stop() : undefined),
  );
  ctx.tree.refresh();
  return true;
}

export async function showPlatformLogCommand(ctx: Ctx): Promise<void> {
  const log = ctx.platform.paths.log;
  if (!existsSync(log)) {
    ctx.output.show(true);
    return;
  }
  await vscode.window.showTextDocument(vscode.Uri.file(log), { preview: true });
}

interface ActionPick extends vscode.QuickPickItem {
  command: string;
  args?: unknown[];
}

/** The status bar item's menu. */
export async function showPlatformActionsCommand(ctx: Ctx): Promise<void> {
  const p = ctx.platform;
  const running = p.state === 'running';
  const items: ActionPick[] = [
    ...(running ? [] : [{ label: '$(play) Start Platform', command: 'slipway.platform.start' }]),
    ...(running ? [{ label: '$(debug-stop) Stop Platform', description: p.owned ? 'started by this window' : 'started elsewhere', command: 'slipway.platform.stop' }] : []),
    { label: '$(cloud-upload) Deploy…', command: 'slipway.deploy' },
    { label: '$(refresh) Refresh Apps', command: 'slipway.refresh' },
    { label: '$(file) Show Platform Log', description: p.paths.log, command: 'slipway.platform.showLog' },
    { label: '$(output) Show Slipway Output', command: 'slipway.output.show' },
  ];
  const title = p.info ? `Slipway platform: ${p.state} · ${p.info.url} · pid ${p.info.pid}` : `Slipway platform: ${p.state}${p.lastError ? ` · ${p.lastError}` : ''}`;
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'Platform actions' });
  if (!picked) return;
  if (picked.command === 'slipway.output.show') ctx.output.show(true);
  else await vscode.commands.executeCommand(picked.command, ...(picked.args ?? []));
}
