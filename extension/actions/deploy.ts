/**
 * "Slipway: Deploy": pick the folder (skipped with one) and the app (offering to create one),
 * then build and release with a progress notification that streams the build; every line also
 * goes to the "Slipway Build" output channel. The app chosen for a folder is remembered. It ends
 * with Open App / Show Logs (the log panel on the app), and a slug size warning at the limits.
 *
 * Programmatic use (tests, other extensions): `executeCommand('slipway.deploy', { folder, app })`
 * skips both pickers and resolves to `{ release }` or `{ error }`.
 */
import { basename, relative, sep } from 'node:path';
import * as vscode from 'vscode';
import type { Release } from '../../platform/api/schemas';
import { formatSize } from '../../platform/shared/size';
import type { Ctx } from '../ctx';
import { appOf, folderOf } from './args';
import { pickApp, pickWorkspaceFolder, suggestAppName } from './pick';
import { checkSlugAfterDeploy } from './slug-size';

export interface DeployOutcome {
  app: string;
  folder: string;
  release?: Release;
  error?: string;
}

export async function deployCommand(ctx: Ctx, arg?: unknown): Promise<DeployOutcome | undefined> {
  const folder = folderOf(arg) ?? (await pickWorkspaceFolder('Folder to deploy'));
  if (!folder) return undefined;
  let app = appOf(arg);
  if (!app) {
    const apps = await ctx.withClient((c) => c.apps());
    const picked = await pickApp(apps, {
      title: `Slipway: Deploy ${basename(folder)}`,
      placeHolder: 'The app to deploy to',
      remembered: ctx.appForFolder(folder),
      allowCreate: true,
      suggestedName: suggestAppName(folder),
    });
    if (!picked) return undefined;
    if (picked.isNew) {
      await ctx.withClient((c) => c.createApp(picked.name));
      ctx.log(`created app ${picked.name}`);
      ctx.tree.refresh();
    }
    app = picked.name;
  }
  await ctx.rememberApp(folder, app);
  return runDeploy(ctx, folder, app);
}

/** Saves the open, modified files inside the folder: a deploy builds what is on disk. */
async function saveDirtyFiles(folder: string): Promise<void> {
  const inside = (p: string) => {
    const r = relative(folder, p);
    return r !== '' && !r.startsWith('..') && !r.startsWith(sep);
  };
  await Promise.all(vscode.workspace.textDocuments.filter((d) => d.isDirty && d.uri.scheme === 'file' && inside(d.uri.fsPath)).map((d) => d.save()));
}

export async function runDeploy(ctx: Ctx, folder: string, app: string): Promise<DeployOutcome> {
  const out = ctx.buildOutput;
  out.appendLine('');
  out.appendLine(`=== ${new Date().toLocaleString()}: deploying ${folder} to ${app} ===`);
  const t0 = performance.now();
  await saveDirtyFiles(folder);
  try {
    const release = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Slipway: deploying ${basename(folder)} to ${app}`, cancellable: false },
      async (progress) => {
        progress.report({ message: 'connecting to the platform…' });
        return ctx.withClient((c) =>
          c.deploy(app, folder, {
            onOutput: (line) => {
              out.appendLine(line);
              const message = line.replace(/^-----> /, '').trim();
              if (message) progress.report({ message });
            },
          }),
        );
      },
    );
    ctx.log(`deploy ${folder} → ${app}: v${release.version} ${release.status} in ${Math.round(performance.now() - t0)} ms`);
    void ctx.tree.refreshApp(app);
    if (release.status === 'failed') {
      const text = `Release v${release.version} of ${app} failed in the release phase and did not go live; the current release stays.`;
      void vscode.window.showErrorMessage(text, 'Show Build Output').then((c) => c && out.show(true));
      return { app, folder, release, error: text };
    }
    void vscode.window.showInformationMessage(`Released v${release.version} to ${app} · slug ${formatSize(release.slug.size)}`, 'Open App', 'Show Logs', 'Show Build Output').then(async (choice) => {
      if (choice === 'Show Build Output') out.show(true);
      if (choice === 'Open App') await vscode.commands.executeCommand('slipway.apps.open', { app });
      if (choice === 'Show Logs') await vscode.commands.executeCommand('slipway.logs.show', { app });
    });
    // the slug against the size limits (a warning naming what to drop), and the status bar entry
    checkSlugAfterDeploy(ctx, folder, app, release).catch((err: unknown) => ctx.log(`slug size check after the deploy: ${String(err)}`));
    return { app, folder, release };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    out.appendLine(` !     ${message}`);
    ctx.log(`deploy ${folder} → ${app} failed: ${message}`);
    void vscode.window.showErrorMessage(`Deploy to ${app} failed: ${message}`, 'Show Build Output').then((c) => c && out.show(true));
    return { app, folder, error: message };
  }
}
