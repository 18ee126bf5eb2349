/**
 * The one context object that activate builds. It owns the output channels, the platform
 * connection, the Apps tree and the status bar. Disposables live either for the whole
 * activation (`push`, into context.subscriptions) or for one platform session (`pushSession`:
 * disposed when the platform connection is rebuilt, e.g. after `slipway.home` changes).
 */
import * as vscode from 'vscode';
import { ClientError, SlipwayClient } from '../platform/api/client';
import { readToken } from '../platform/discovery/token';
import { affectsPlatform, platformSettings } from './config';
import { PlatformEvents } from './platform-events';
import { PlatformNotRunningError, PlatformProcess, PlatformStartError, type CrashReport } from './platform-process';
import { PlatformStatusBar } from './platform-status-item';
import { registerConfigDocuments } from './actions/config-diff';
import { LogView, type LogPanelState } from './logs/log-view';
import type { PlatformEvent } from '../platform/api/schemas';
import { SlugStatus } from './slugs/slug-status-item';
import { AppsTreeProvider } from './views/apps-tree';
import type { TreeNode } from './views/nodes';

/** workspaceState key prefix: the app a folder deploys to. */
const REMEMBERED_APP = 'slipway.app:';

export class Ctx implements vscode.Disposable {
  readonly output: vscode.OutputChannel;
  private buildChannel: vscode.OutputChannel | null = null;
  readonly tree: AppsTreeProvider;
  readonly treeView: vscode.TreeView<TreeNode>;
  private readonly statusBar: PlatformStatusBar;
  /** The log panel (a webview view in the panel area). */
  readonly logs: LogView;
  /** The status bar entry with the workspace folder's predicted slug size. */
  readonly slugStatus: SlugStatus;
  private _platform: PlatformProcess;
  private _events: PlatformEvents | null = null;
  private session: vscode.Disposable[] = [];
  private readonly sessionEmitter = new vscode.EventEmitter<PlatformProcess>();
  /**
   * The platform session changed: another platform connection (after `slipway.home` changed) or
   * the state of this one (started, stopped, restarted as another process). Views that show
   * platform state reload on it.
   */
  readonly onDidChangeSession = this.sessionEmitter.event;
  private readonly eventsEmitter = new vscode.EventEmitter<PlatformEvent[]>();
  /**
   * What changed on the platform, from the session's one event stream (GET /events), in
   * coalesced bursts; `[]` after a reconnect (events may have been missed: reload).
   */
  readonly onPlatformEvents = this.eventsEmitter.event;
  private cachedClient: { key: string; client: SlipwayClient } | null = null;
  activationMs = 0;
  /** The activation log line, with the time of each part. */
  activationDetail = '';

  constructor(readonly extension: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('Slipway');
    this.push(this.output, this.sessionEmitter, this.eventsEmitter);
    // The tree reads whichever platform session is current, and never starts one.
    this.tree = new AppsTreeProvider({ state: () => this._platform.state, client: () => this.client({ start: false }) });
    this.treeView = vscode.window.createTreeView('slipway.apps', { treeDataProvider: this.tree, showCollapseAll: true });
    this.statusBar = new PlatformStatusBar();
    this.push(this.tree, this.treeView, this.statusBar);
    this.logs = new LogView(this);
    this.slugStatus = new SlugStatus(this);
    this.push(this.tree.watchView(this.treeView), this.logs, this.slugStatus, registerConfigDocuments(this));
    this.push(this.onPlatformEvents((changes) => this.tree.applyEvents(changes)));
    this._platform = this.newPlatform();
    this.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affectsPlatform(e)) void this.reconnect();
      }),
    );
  }

  get platform(): PlatformProcess {
    return this._platform;
  }

  /** The platform's event stream of this session (drives the tree). */
  get events(): PlatformEvents | null {
    return this._events;
  }

  /** The "Slipway Build" output channel, created on the first deploy. */
  get buildOutput(): vscode.OutputChannel {
    if (!this.buildChannel) {
      this.buildChannel = vscode.window.createOutputChannel('Slipway Build');
      this.push(this.buildChannel);
    }
    return this.buildChannel;
  }

  log(line: string): void {
    this.output.appendLine(`[${new Date().toISOString().slice(11, 23)}] ${line}`);
  }

  push(...disposables: vscode.Disposable[]): void {
    this.extension.subscriptions.push(...disposables);
  }

  /** Disposed when the platform session ends (the connection is rebuilt, or on deactivate). */
  pushSession(...disposables: vscode.Disposable[]): void {
    this.session.push(...disposables);
  }

  private newPlatform(): PlatformProcess {
    const platform = new PlatformProcess({
      script: this.extension.asAbsolutePath('dist/platform.js'),
      settings: platformSettings(),
      log: (line) => this.log(line),
      onCrash: (report) => this.onCrash(report),
    });
    const events = new PlatformEvents({
      client: () => this.client({ start: false }),
      onChange: (changes) => this.eventsEmitter.fire(changes),
      log: (line) => this.log(line),
      shouldRun: () => platform.state === 'running',
    });
    this._events = events;
    this.pushSession(
      events,
      platform.onDidChangeState((state) => {
        this.cachedClient = null;
        void vscode.commands.executeCommand('setContext', 'slipway.platformState', state);
        this.statusBar.update(platform);
        this.tree.refresh();
        if (state === 'running') events.start();
        else events.stop();
        this.sessionEmitter.fire(platform);
      }),
    );
    void vscode.commands.executeCommand('setContext', 'slipway.platformState', platform.state);
    this.statusBar.update(platform);
    return platform;
  }

  /** Begins the platform session: attach now, start in the background when auto-start is on. Never blocks. */
  startSession(): void {
    this._platform.init();
    this.statusBar.update(this._platform);
    if (this._platform.state !== 'running' && platformSettings().autoStart) {
      this._platform.start({ defer: true }).catch((err: unknown) => this.showError(err));
    }
  }

  /** `slipway.home` changed: leave the old platform (stopping it if this window started it) and connect to the new one. */
  async reconnect(): Promise<void> {
    this.log(`settings changed: reconnecting (home ${platformSettings().home})`);
    await this.endSession();
    this._platform = this.newPlatform();
    this.startSession();
    this.tree.refresh();
    this.sessionEmitter.fire(this._platform);
  }

  private async endSession(): Promise<void> {
    const session = this.session;
    this.session = [];
    this.cachedClient = null;
    for (const d of session) d.dispose();
    await this._platform.dispose();
  }

  /** A client of the running platform; starts it when `start` (default: the auto-start setting). */
  async client(opts: { start?: boolean } = {}): Promise<SlipwayClient> {
    const info = await this._platform.ensure({ start: opts.start ?? platformSettings().autoStart });
    const key = `${info.url} ${info.pid}`;
    if (this.cachedClient?.key === key) return this.cachedClient.client;
    let token: string;
    try {
      token = readToken(this._platform.paths.token);
    } catch {
      throw new Error(`cannot read the platform token ${this._platform.paths.token}; is the "slipway.home" setting right?`);
    }
    const client = new SlipwayClient({ url: info.url, token });
    this.cachedClient = { key, client };
    return client;
  }

  /** Runs `fn` with a client; when the platform cannot be reached, re-checks its state so the UI says so. */
  async withClient<T>(fn: (client: SlipwayClient) => Promise<T>, opts: { start?: boolean } = {}): Promise<T> {
    const client = await this.client(opts);
    try {
      return await fn(client);
    } catch (err) {
      if (err instanceof ClientError && err.code === 'platform_unreachable') {
        this.cachedClient = null;
        this._platform.check();
      }
      throw err;
    }
  }

  private onCrash(report: CrashReport): void {
    const text = report.restarting
      ? `The Slipway platform stopped unexpectedly (${report.exit}); restarting it (attempt ${report.attempt} of ${report.maxAttempts}).`
      : `The Slipway platform stopped unexpectedly (${report.exit}) again and was not restarted.`;
    const actions = report.restarting ? ['Show Log'] : ['Show Log', 'Start Platform'];
    const show = report.restarting ? vscode.window.showWarningMessage(text, ...actions) : vscode.window.showErrorMessage(text, ...actions);
    void show.then((choice) => {
      if (choice === 'Show Log') void vscode.commands.executeCommand('slipway.platform.showLog');
      if (choice === 'Start Platform') void vscode.commands.executeCommand('slipway.platform.start');
    });
  }

  /** Shows a failure once, with a way forward. Never throws. */
  showError(err: unknown, what?: string): void {
    const message = err instanceof Error ? err.message : String(err);
    const prefix = what ? `${what}: ` : '';
    this.log(`error: ${prefix}${message}`);
    let actions: string[] = [];
    if (err instanceof PlatformStartError) actions = ['Show Log', 'Start Platform'];
    else if (err instanceof PlatformNotRunningError) actions = ['Start Platform'];
    else if (err instanceof ClientError && err.code === 'platform_unreachable') actions = ['Start Platform', 'Show Log'];
    else if (err instanceof ClientError && err.code === 'internal') actions = ['Show Log'];
    const text = err instanceof PlatformNotRunningError ? `${prefix}the Slipway platform is not running.` : `${prefix}${message}`;
    void vscode.window.showErrorMessage(text, ...actions).then((choice) => {
      if (choice === 'Show Log') void vscode.commands.executeCommand('slipway.platform.showLog');
      if (choice === 'Start Platform') void vscode.commands.executeCommand('slipway.platform.start');
    });
  }

  /** The app chosen for a folder last time (workspaceState). */
  appForFolder(folder: string): string | undefined {
    return this.extension.workspaceState.get<string>(REMEMBERED_APP + folder);
  }

  rememberApp(folder: string, app: string): Thenable<void> {
    return this.extension.workspaceState.update(REMEMBERED_APP + folder, app);
  }

  /** What the log panel holds and shows (the in-host tests read it through the exported API). */
  logPanelState(): Promise<LogPanelState> {
    return this.logs.state();
  }

  /** Every folder with a remembered app. */
  rememberedApps(): { folder: string; app: string }[] {
    const state = this.extension.workspaceState;
    return state
      .keys()
      .filter((k) => k.startsWith(REMEMBERED_APP))
      .map((k) => ({ folder: k.slice(REMEMBERED_APP.length), app: state.get<string>(k) ?? '' }))
      .filter((r) => r.app !== '');
  }

  async dispose(): Promise<void> {
    await this.endSession();
  }
}
