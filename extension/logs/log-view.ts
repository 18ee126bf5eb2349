/**
 * The log panel: a webview view (`slipway.logs`) in the panel area that tails one app's log.
 *
 * The extension side owns the stream (LogTail: history, then live lines, batched every 75 ms)
 * and the choice of app; the webview (media/logs/logs.js) owns what is shown: the kept lines,
 * the filters, follow and pause. The tail runs only while the panel is visible: hidden, the
 * webview is discarded, and showing it again loads the history afresh. "Clear" is remembered
 * per app, so a panel shown again starts after it.
 */
import * as vscode from 'vscode';
import { logHistoryLines } from '../config';
import type { Ctx } from '../ctx';
import { logViewHtml } from './log-html';
import { LogTail, type TailState, type WireLine } from './log-tail';

export const LOG_VIEW_ID = 'slipway.logs';

export interface ShowLogs {
  app: string;
  /** a dyno (`web.1`) or a process type (`web`) to show alone; '' or absent: every dyno */
  dyno?: string;
}

/** What the webview reports about itself (media/logs/logs.js `state()`). */
export interface LogWebviewState {
  app: string;
  received: number;
  kept: number;
  matching: number;
  held: number;
  rendered: number;
  domRows: number;
  overflowMarkers: number;
  follow: boolean;
  paused: boolean;
  filter: { dyno: string; source: string; text: string };
  dynos: string[];
  firstRow: string | null;
  lastRow: string | null;
  rowHeight: number;
}

export interface LogPanelState {
  app: string | null;
  visible: boolean;
  ready: boolean;
  tail: { app: string; received: number; batches: number } | null;
  /** lines posted to the webview since it was last (re)loaded */
  posted: number;
  webview: LogWebviewState | null;
}

type FromWebview =
  | { type: 'ready' }
  | { type: 'app'; app: string }
  | { type: 'clear' }
  | { type: 'probe'; id: number; state: LogWebviewState };

const APP_KEY = 'slipway.logs.app';

export class LogView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | null = null;
  private viewSubs: vscode.Disposable[] = [];
  private ready = false;
  private app: string | null = null;
  private dyno = '';
  private tail: LogTail | null = null;
  private posted = 0;
  private readonly clearedAt = new Map<string, string>();
  private readonly probes = new Map<number, (state: LogWebviewState) => void>();
  private probeSeq = 0;
  private readonly registration: vscode.Disposable;

  constructor(private readonly ctx: Ctx) {
    this.registration = vscode.Disposable.from(
      vscode.window.registerWebviewViewProvider(LOG_VIEW_ID, this),
      // the app list: again when the session changes or apps come or go (or events were missed)
      ctx.onDidChangeSession(() => {
        if (this.ready) void this.postApps();
      }),
      ctx.onPlatformEvents((events) => {
        if (this.ready && (events.length === 0 || events.some((e) => e.kind === 'apps'))) void this.postApps();
      }),
    );
  }

  private get media(): vscode.Uri {
    return vscode.Uri.joinPath(this.ctx.extension.extensionUri, 'media', 'logs');
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.disposeView();
    this.view = view;
    this.ready = false;
    view.webview.options = { enableScripts: true, localResourceRoots: [this.media] };
    view.webview.html = logViewHtml(view.webview, this.media);
    this.viewSubs.push(
      view.webview.onDidReceiveMessage((m: FromWebview) => this.onMessage(m)),
      view.onDidChangeVisibility(() => {
        if (view.visible) void view.webview.postMessage({ type: 'hello' });
        else {
          // hidden: the webview is discarded; showing it again reloads the history
          this.ready = false;
          this.stopTail();
        }
      }),
      view.onDidDispose(() => {
        if (this.view === view) this.disposeView();
      }),
    );
  }

  private onMessage(m: FromWebview): void {
    switch (m.type) {
      case 'ready':
        if (this.ready && this.tail) return; // the page was kept, and said so twice
        this.ready = true;
        this.posted = 0;
        this.post({ type: 'init', cap: logHistoryLines() });
        void this.start();
        break;
      case 'app':
        if (m.app) void this.setApp(m.app, '');
        break;
      case 'clear':
        if (this.app) this.clearedAt.set(this.app, new Date().toISOString());
        this.post({ type: 'reset' });
        break;
      case 'probe':
        this.probes.get(m.id)?.(m.state);
        this.probes.delete(m.id);
        break;
    }
  }

  private post(message: unknown): void {
    if (this.view) void this.view.webview.postMessage(message);
  }

  /** The app the panel shows: the one chosen last, else the workspace folder's, else the first. */
  private defaultApp(names: readonly string[]): string | null {
    const remembered = this.ctx.extension.workspaceState.get<string>(APP_KEY);
    if (remembered && names.includes(remembered)) return remembered;
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      const app = this.ctx.appForFolder(f.uri.fsPath);
      if (app && names.includes(app)) return app;
    }
    return names[0] ?? null;
  }

  private async appNames(): Promise<string[]> {
    try {
      return (await this.ctx.withClient((c) => c.apps(), { start: false })).map((a) => a.name).sort();
    } catch {
      return this.app ? [this.app] : [];
    }
  }

  private async postApps(): Promise<string[]> {
    const names = await this.appNames();
    if (this.app && !names.includes(this.app)) names.unshift(this.app);
    this.post({ type: 'apps', apps: names, app: this.app ?? '' });
    return names;
  }

  /** Once the webview is ready: the app list, the filter asked for, and the tail. */
  private async start(): Promise<void> {
    const names = await this.appNames();
    this.app ??= this.defaultApp(names);
    await this.postApps();
    this.post({ type: 'filter', dyno: this.dyno });
    this.restartTail();
  }

  private restartTail(): void {
    this.stopTail();
    this.post({ type: 'reset', app: this.app ?? '' });
    const app = this.app;
    if (!app || !this.view || !this.ready) {
      if (!app) this.post({ type: 'status', state: 'ended', text: 'no app: deploy one, or pick one above' });
      return;
    }
    const tail = new LogTail({
      app,
      client: () => this.ctx.client({ start: false }),
      n: logHistoryLines(),
      since: this.clearedAt.get(app),
      onBatch: (lines: WireLine[]) => {
        if (this.tail !== tail) return;
        this.posted += lines.length;
        this.post({ type: 'lines', lines });
      },
      onReset: () => this.post({ type: 'reset' }),
      onState: (state: TailState, text: string) => this.post({ type: 'status', state, text }),
      log: (line) => this.ctx.log(line),
    });
    this.tail = tail;
  }

  private stopTail(): void {
    this.tail?.dispose();
    this.tail = null;
  }

  private async setApp(app: string, dyno: string): Promise<void> {
    const changed = app !== this.app;
    this.app = app;
    this.dyno = dyno;
    await this.ctx.extension.workspaceState.update(APP_KEY, app);
    if (!this.ready) return; // started once the webview is ready
    this.post({ type: 'filter', dyno });
    if (changed || !this.tail) {
      await this.postApps();
      this.restartTail();
    }
  }

  /** Shows the panel on `app` (and only `dyno`, a dyno or a process type, when given). */
  async show(request: ShowLogs): Promise<void> {
    await this.setApp(request.app, request.dyno ?? '');
    await vscode.commands.executeCommand(`${LOG_VIEW_ID}.focus`);
  }

  /** Empties the panel; lines from before are not shown again (a reload starts after this time). */
  clear(): void {
    this.onMessage({ type: 'clear' });
  }

  /** What the panel holds and shows (the webview answers a probe within `timeoutMs`, else null). */
  async state(timeoutMs = 5000): Promise<LogPanelState> {
    let webview: LogWebviewState | null = null;
    if (this.view && this.ready) {
      const id = ++this.probeSeq;
      webview = await new Promise<LogWebviewState | null>((resolve) => {
        const timer = setTimeout(() => {
          this.probes.delete(id);
          resolve(null);
        }, timeoutMs);
        this.probes.set(id, (s) => {
          clearTimeout(timer);
          resolve(s);
        });
        this.post({ type: 'probe', id });
      });
    }
    return {
      app: this.app,
      visible: this.view?.visible ?? false,
      ready: this.ready,
      tail: this.tail ? { app: this.tail.app, received: this.tail.received, batches: this.tail.batches } : null,
      posted: this.posted,
      webview,
    };
  }

  private disposeView(): void {
    this.stopTail();
    for (const d of this.viewSubs) d.dispose();
    this.viewSubs = [];
    this.view = null;
    this.ready = false;
  }

  dispose(): void {
    this.disposeView();
    this.registration.dispose();
  }
}
