/**
 * "Compare Config with Current": a diff editor of a release's config vars against the current
 * release's, as two read-only virtual documents (`KEY=value`, sorted by key) served by a
 * TextDocumentContentProvider on the `slipway-config` scheme:
 *
 *   slipway-config:/APP/v3.env    the config vars of release v3
 *   slipway-config:/APP/none.env  no release (an empty document)
 */
import * as vscode from 'vscode';
import type { ConfigVars } from '../../platform/api/schemas';
import type { Ctx } from '../ctx';
import { ReleaseNode } from '../views/nodes';
import { appOf, numberField } from './args';
import { resolveApp } from './apps';

export const CONFIG_SCHEME = 'slipway-config';

export function configUri(app: string, version: number | null): vscode.Uri {
  return vscode.Uri.from({ scheme: CONFIG_SCHEME, path: `/${app}/${version === null ? 'none' : `v${version}`}.env` });
}

/** `KEY=value` lines sorted by key; a value with line breaks or edge spaces is written as a JSON string. */
export function configText(config: ConfigVars): string {
  const keys = Object.keys(config).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return keys.map((k) => `${k}=${/[\r\n"]|^\s|\s$/.test(config[k]) ? JSON.stringify(config[k]) : config[k]}`).join('\n') + (keys.length ? '\n' : '');
}

export class ConfigDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly ctx: Ctx) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const m = /^\/([^/]+)\/(?:v(\d+)|none)\.env$/.exec(uri.path);
    if (!m) throw new Error(`not a Slipway config document: ${uri.toString()}`);
    if (m[2] === undefined) return '';
    // read each time (a local request): an app destroyed and created again reuses its numbers
    const release = await this.ctx.withClient((c) => c.release(m[1], Number(m[2])), { start: false });
    return configText(release.config);
  }
}

export function registerConfigDocuments(ctx: Ctx): vscode.Disposable {
  return vscode.workspace.registerTextDocumentContentProvider(CONFIG_SCHEME, new ConfigDocuments(ctx));
}

/**
 * `slipway.releases.diff`: from a release's context menu, `{ app, version }`, or asked. Opens
 * vN (left) against the current release (right); resolves to the two uris and the title.
 */
export async function diffConfigCommand(ctx: Ctx, arg?: unknown): Promise<{ left: string; right: string; title: string } | undefined> {
  let app: string | undefined;
  let version: number | undefined;
  if (arg instanceof ReleaseNode) {
    app = arg.app;
    version = arg.release.version;
  } else {
    app = appOf(arg) ?? (await resolveApp(ctx, arg, 'Slipway: Compare Config with Current'));
    version = numberField(arg, 'version');
  }
  if (!app) return undefined;
  const chosenApp = app;
  const info = await ctx.withClient((c) => c.app(chosenApp));
  if (version === undefined) {
    const releases = await ctx.withClient((c) => c.releases(chosenApp));
    const picked = await vscode.window.showQuickPick(
      releases.filter((r) => !r.current).map((r) => ({ label: `v${r.version}`, description: r.description, version: r.version })),
      { title: `Slipway: Compare a release's config with the current one (${chosenApp})`, placeHolder: 'The release to compare', ignoreFocusOut: true },
    );
    if (!picked) return undefined;
    version = picked.version;
  }
  const current = info.currentRelease;
  if (current === version) {
    void vscode.window.showInformationMessage(`v${version} is the current release of ${chosenApp}: there is nothing to compare it with.`);
    return undefined;
  }
  const left = configUri(chosenApp, version);
  const right = configUri(chosenApp, current);
  const title = `${chosenApp} config: v${version} ↔ ${current === null ? 'no release' : `v${current} (current)`}`;
  await vscode.commands.executeCommand('vscode.diff', left, right, title, { preview: true });
  return { left: left.toString(), right: right.toString(), title };
}
