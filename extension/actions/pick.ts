/** The questions commands ask from the palette: which folder, which app, a new app's name. */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { APP_NAME, APP_NAME_RULE } from '../../platform/shared/app-name';
import type { App } from '../../platform/api/schemas';

export const CREATE_APP_LABEL = '$(add) Create new app…';

/** The message for an invalid app name (the platform's rule, platform/apps/names.ts), or null. */
export function appNameProblem(name: string, existing: readonly string[] = []): string | null {
  if (!APP_NAME.test(name)) return APP_NAME_RULE;
  if (existing.includes(name)) return `an app named "${name}" already exists`;
  return null;
}

/** A valid app name derived from a folder name ("My App_2" → "my-app-2"), or "". */
export function suggestAppName(folder: string): string {
  const name = basename(folder)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+/g, '-')
    .replace(/-$/, '')
    .slice(0, 30)
    .replace(/-$/, '');
  return APP_NAME.test(name) ? name : '';
}

export async function askNewAppName(existing: readonly string[], suggested = ''): Promise<string | undefined> {
  const value = suggested && !existing.includes(suggested) ? suggested : '';
  const name = await vscode.window.showInputBox({
    title: 'Slipway: Create App',
    prompt: 'Name of the new app (it answers at http://NAME.localhost:5100/)',
    placeHolder: 'my-app',
    value,
    validateInput: (v) => appNameProblem(v.trim(), existing),
    ignoreFocusOut: true,
  });
  return name?.trim() || undefined;
}

interface AppPick extends vscode.QuickPickItem {
  app?: string;
  create?: boolean;
}

/** A quick pick of the apps (the remembered one first), optionally with "Create new app…". */
export async function pickApp(
  apps: readonly App[],
  opts: { title: string; placeHolder: string; remembered?: string; allowCreate: boolean; suggestedName?: string },
): Promise<{ name: string; isNew: boolean } | undefined> {
  const sorted = [...apps].sort((a, b) => (a.name === opts.remembered ? -1 : b.name === opts.remembered ? 1 : a.name.localeCompare(b.name)));
  const items: AppPick[] = sorted.map((a) => ({
    label: a.name,
    description: [a.currentRelease === null ? 'not deployed' : `v${a.currentRelease}`, a.name === opts.remembered ? 'last used here' : ''].filter(Boolean).join(' · '),
    detail: a.url,
    app: a.name,
  }));
  if (opts.allowCreate) items.push({ label: CREATE_APP_LABEL, create: true, alwaysShow: true });
  if (items.length === 0) {
    void vscode.window.showInformationMessage('There are no Slipway apps yet: create one with "Slipway: Create App".');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, { title: opts.title, placeHolder: opts.placeHolder, matchOnDetail: true, ignoreFocusOut: true });
  if (!picked) return undefined;
  if (picked.create) {
    const name = await askNewAppName(
      apps.map((a) => a.name),
      opts.suggestedName,
    );
    return name ? { name, isNew: true } : undefined;
  }
  return picked.app ? { name: picked.app, isNew: false } : undefined;
}

/** The workspace folder to act on: skipped with one folder, asked with several. */
export async function pickWorkspaceFolder(placeHolder: string): Promise<string | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    const choice = await vscode.window.showErrorMessage('Open the folder of an app first (one with a Procfile or a package.json).', 'Open Folder…');
    if (choice) await vscode.commands.executeCommand('workbench.action.files.openFolder');
    return undefined;
  }
  if (folders.length === 1) return folders[0].uri.fsPath;
  const folder = await vscode.window.showWorkspaceFolderPick({ placeHolder, ignoreFocusOut: true });
  return folder?.uri.fsPath;
}
