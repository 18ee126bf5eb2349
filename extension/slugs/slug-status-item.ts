/**
 * The status bar entry with the workspace folder's predicted slug size ("$(package) 8.3M"),
 * recomputed when files change: debounced (1.5 s after the last change), a newer computation
 * cancels a running one, and only changed chunks are compressed again (slug-estimate.ts). The
 * folder is the active editor's workspace folder, else the first one; a folder without a
 * Procfile, package.json or .slugignore is not an app and shows nothing. A click runs "Analyze
 * Slug Size" on it. Off with `slipway.slug.statusBar: false`.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { formatSize } from '../../platform/shared/size';
import { slugSettings, slugStatusBarEnabled } from '../config';
import type { Ctx } from '../ctx';
import { SlugEstimator, type SlugEstimate } from '../../platform/shared/slug-estimate';

const DEBOUNCE_MS = 1500;
const MiB = 1024 * 1024;
const KNOWN_KEY = 'slipway.slug.chunkSizes';

export function isAppFolder(folder: string): boolean {
  return ['Procfile', 'package.json', '.slugignore'].some((f) => existsSync(join(folder, f)));
}

export class SlugStatus implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subs: vscode.Disposable[] = [];
  private watcher: vscode.FileSystemWatcher | null = null;
  private folder: string | null = null;
  private readonly estimators = new Map<string, SlugEstimator>();
  private timer: NodeJS.Timeout | null = null;
  private running: AbortController | null = null;
  private current: Promise<SlugEstimate | undefined> | null = null;
  /** The last estimate shown. */
  last: SlugEstimate | null = null;
  /** Runs started and cancelled (for tests and the log). */
  runs = 0;
  cancelled = 0;

  constructor(private readonly ctx: Ctx) {
    this.item = vscode.window.createStatusBarItem('slipway.slugSize', vscode.StatusBarAlignment.Left, 9);
    this.item.name = 'Slipway Slug Size';
    // after activation: activate() stays cheap
    const start = setImmediate(() => this.start());
    this.subs.push({ dispose: () => clearImmediate(start) });
  }

  private start(): void {
    this.subs.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.follow()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.follow()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('slipway.slug')) this.follow(true);
      }),
    );
    // a folder becomes an app (or stops being one) when these appear or go
    const markers = vscode.workspace.createFileSystemWatcher('**/{Procfile,package.json,.slugignore}', false, true, false);
    this.subs.push(markers, markers.onDidCreate(() => this.follow()), markers.onDidDelete(() => this.follow()));
    this.follow();
  }

  /** The entry's text ("$(package) 8.3M"), or '' while hidden. */
  get text(): string {
    return this.item.text;
  }

  get folderShown(): string | null {
    return this.folder;
  }

  private enabled(): boolean {
    return slugStatusBarEnabled();
  }

  private pickFolder(): string | null {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const active = vscode.window.activeTextEditor?.document.uri;
    const own = active ? vscode.workspace.getWorkspaceFolder(active) : undefined;
    const candidates = own ? [own, ...folders.filter((f) => f !== own)] : folders;
    const app = candidates.find((f) => f.uri.scheme === 'file' && isAppFolder(f.uri.fsPath));
    return app?.uri.fsPath ?? null;
  }

  /** Follows the folder to show; `force` recomputes even when it did not change (settings). */
  private follow(force = false): void {
    const folder = this.enabled() ? this.pickFolder() : null;
    if (folder === this.folder && !force) return;
    const changed = folder !== this.folder;
    this.folder = folder;
    if (changed) {
      this.watcher?.dispose();
      this.watcher = null;
      this.cancel();
      this.last = null;
    }
    if (!folder) {
      this.item.hide();
      return;
    }
    if (changed) {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(folder), '**/*'));
      const onChange = (uri: vscode.Uri) => {
        if (!/[\\/]\.git([\\/]|$)/.test(uri.fsPath)) this.schedule();
      };
      watcher.onDidCreate(onChange);
      watcher.onDidChange(onChange);
      watcher.onDidDelete(onChange);
      this.watcher = watcher;
      this.item.text = `$(loading~spin) ${basename(folder)}`;
      this.item.tooltip = `Predicting the slug size of ${basename(folder)}…`;
      this.item.command = { title: 'Analyze Slug Size', command: 'slipway.slug.analyze', arguments: [{ folder }] };
      this.item.show();
    }
    this.schedule(force ? 0 : DEBOUNCE_MS);
  }

  /** Recomputes after `delayMs` without another change (a change restarts the wait). */
  schedule(delayMs = DEBOUNCE_MS): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, delayMs);
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) {
      this.running.abort();
      this.cancelled++;
    }
    this.running = null;
  }

  /** Recomputes now (cancelling a computation under way) and updates the entry. */
  refresh(): Promise<SlugEstimate | undefined> {
    const folder = this.folder;
    if (!folder) return Promise.resolve(undefined);
    this.cancel();
    const abort = new AbortController();
    this.running = abort;
    this.runs++;
    let estimator = this.estimators.get(folder);
    if (!estimator) {
      const known = this.ctx.extension.workspaceState.get<Record<string, Record<string, number>>>(KNOWN_KEY)?.[folder];
      estimator = new SlugEstimator(folder, known);
      this.estimators.set(folder, estimator);
    }
    const run = estimator.estimate(abort.signal).then(
      (estimate) => {
        if (this.running !== abort) return undefined;
        this.running = null;
        this.show(estimate);
        void this.ctx.extension.workspaceState.update(KNOWN_KEY, { [folder]: estimator.known() });
        return estimate;
      },
      (err: unknown) => {
        if (abort.signal.aborted) return undefined;
        if (this.running === abort) this.running = null;
        this.ctx.log(`slug size of ${folder}: ${err instanceof Error ? err.message : String(err)}`);
        this.item.text = '$(package) ?';
        this.item.tooltip = `Could not predict the slug size of ${basename(folder)}: ${err instanceof Error ? err.message : String(err)}`;
        return undefined;
      },
    );
    this.current = run;
    return run;
  }

  /** The estimate under way, or the next one (for tests: `await ctx.slugStatus.settled()`). */
  async settled(): Promise<SlugEstimate | undefined> {
    if (this.timer) return this.refresh();
    return (await this.current) ?? this.last ?? undefined;
  }

  private show(e: SlugEstimate): void {
    this.last = e;
    const { softLimitMiB, hardLimitMiB } = slugSettings();
    const level = e.bytes >= hardLimitMiB * MiB ? 'hard' : e.bytes >= softLimitMiB * MiB ? 'soft' : 'ok';
    this.item.text = `$(package) ${formatSize(e.bytes)}`;
    this.item.backgroundColor = level === 'hard' ? new vscode.ThemeColor('statusBarItem.errorBackground') : level === 'soft' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**Predicted slug size of ${basename(e.folder)}: ${formatSize(e.bytes)}** (${e.class})\n\n`);
    if (level === 'hard') md.appendMarkdown(`Over the hard limit of ${hardLimitMiB} MiB: a deploy will be refused.\n\n`);
    else if (level === 'soft') md.appendMarkdown(`Over the soft limit of ${softLimitMiB} MiB.\n\n`);
    md.appendMarkdown('Largest contributors:\n\n');
    for (const t of e.top.slice(0, 5)) md.appendMarkdown(`- \`${t.path}\` ${formatSize(t.bytes)}\n`);
    md.appendMarkdown(`\n\nBefore build steps (no dependencies installed), after \`.slugignore\`; ${e.files} files. Click to analyze.`);
    this.item.tooltip = md;
    this.item.accessibilityInformation = { label: `Predicted slug size ${formatSize(e.bytes)}, ${e.class}` };
    this.ctx.log(`slug size of ${e.folder}: ${formatSize(e.bytes)} (${e.bytes} bytes, ${e.chunks} chunks, ${e.compressed} compressed) in ${e.ms} ms`);
  }

  dispose(): void {
    this.cancel();
    this.watcher?.dispose();
    for (const d of this.subs) d.dispose();
    this.item.dispose();
  }
}
