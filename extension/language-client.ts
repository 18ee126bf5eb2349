/**
 * The client of the Procfile / .slugignore language server (dist/language-server.js, node IPC).
 *
 * Activation stays cheap: the server process starts only once a Procfile or .slugignore is
 * open (or opens), on a later turn, and vscode-languageclient is loaded only then. The client lives for the whole activation (the server does
 * not depend on the platform); what it tells the server about deployments follows the platform
 * session: for each folder with a remembered app (workspaceState, set by Deploy) it sends the
 * app's release, formation and dynos (`slipway/deployments`, language-server/protocol.ts), again
 * whenever the platform's events say they changed. The server asks for the file watchers it
 * needs (one per app folder it indexes) through dynamic registration.
 */
import * as vscode from 'vscode';
import type { LanguageClient, LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import type { PlatformEvent } from '../platform/api/schemas';
import type { Ctx } from './ctx';
import { DEPLOYMENTS_NOTIFICATION, type Deployment, type DeploymentsParams, type InitializationOptions } from './language-server/protocol';

export const LANGUAGES = ['procfile', 'slugignore'] as const;

const isOurs = (doc: vscode.TextDocument): boolean => doc.uri.scheme === 'file' && (LANGUAGES as readonly string[]).includes(doc.languageId);

export class SlipwayLanguageClient implements vscode.Disposable {
  private client: LanguageClient | null = null;
  private starting: Promise<LanguageClient> | null = null;
  private readonly feed: DeploymentFeed;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly ctx: Ctx) {
    this.feed = new DeploymentFeed(ctx, (deployments) => this.sendDeployments(deployments));
    if (vscode.workspace.textDocuments.some(isOurs)) {
      setImmediate(() => void this.start());
    } else {
      const sub = vscode.workspace.onDidOpenTextDocument((doc) => {
        if (!isOurs(doc)) return;
        sub.dispose();
        void this.start();
      });
      this.disposables.push(sub);
    }
  }

  /** Starts the server (once); resolves when it has answered `initialize`. */
  start(): Promise<LanguageClient> {
    this.starting ??= this.launch().catch((err: unknown) => {
      this.ctx.showError(err, 'The Slipway language server did not start');
      throw err;
    });
    return this.starting;
  }

  private async launch(): Promise<LanguageClient> {
    // loaded only now: evaluating vscode-languageclient costs the extension's load time otherwise
    const { LanguageClient, State, TransportKind } = await import('vscode-languageclient/node');
    const module = this.ctx.extension.asAbsolutePath('dist/language-server.js');
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    const initializationOptions: InitializationOptions = { deployments: this.feed.current };
    const clientOptions: LanguageClientOptions = {
      documentSelector: LANGUAGES.map((language) => ({ scheme: 'file', language })),
      initializationOptions,
      outputChannelName: 'Slipway Language Server',
    };
    const client = new LanguageClient('slipway', 'Slipway Language Server', serverOptions, clientOptions);
    this.client = client;
    // a server that restarts (after a crash) hears the deployments again
    this.disposables.push(
      client.onDidChangeState((e) => {
        if (e.newState === State.Running) this.sendDeployments(this.feed.current);
      }),
    );
    await client.start();
    this.ctx.log('language server started');
    this.feed.start();
    return client;
  }

  private sendDeployments(deployments: Deployment[]): void {
    const client = this.client;
    if (!client?.isRunning()) return;
    const params: DeploymentsParams = { deployments };
    client.sendNotification(DEPLOYMENTS_NOTIFICATION, params).catch((err: unknown) => this.ctx.log(`language server: ${(err as Error).message}`));
  }

  /** The running client, if it started (tests). */
  get languageClient(): LanguageClient | null {
    return this.client;
  }

  dispose(): Promise<void> {
    this.feed.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    const client = this.client;
    this.client = null;
    return client ? client.dispose(2000).catch(() => undefined) : Promise.resolve();
  }
}

/**
 * The deployments of the folders with a remembered app, kept up to date from the session's
 * platform events (ctx.onPlatformEvents: every event, whatever the Apps tree shows) and
 * reloaded when the session changes.
 */
class DeploymentFeed implements vscode.Disposable {
  current: Deployment[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly ctx: Ctx,
    private readonly send: (deployments: Deployment[]) => void,
  ) {}

  start(): void {
    this.subscriptions.push(
      this.ctx.onDidChangeSession(() => this.schedule()),
      this.ctx.onPlatformEvents((events) => {
        if (this.matters(events)) this.schedule();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.schedule()),
    );
    this.schedule();
  }

  private matters(events: readonly PlatformEvent[]): boolean {
    if (events.length === 0) return true;
    const apps = new Set(this.ctx.rememberedApps().map((r) => r.app));
    return events.some((e) => e.kind === 'apps' || e.app === null || apps.has(e.app));
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, 200);
  }

  private async refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      const next = await this.read();
      if (JSON.stringify(next) !== JSON.stringify(this.current)) {
        this.current = next;
        this.send(next);
      }
    } finally {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    }
  }

  private async read(): Promise<Deployment[]> {
    const remembered = this.ctx.rememberedApps();
    if (remembered.length === 0 || this.ctx.platform.state !== 'running') return [];
    let client;
    try {
      client = await this.ctx.client({ start: false });
    } catch {
      return [];
    }
    const out: Deployment[] = [];
    await Promise.all(
      remembered.map(async ({ folder, app }) => {
        try {
          const info = await client.app(app);
          const dynos = info.currentRelease === null ? [] : await client.dynos(app);
          out.push({
            folder,
            app,
            release: info.currentRelease,
            formation: info.formation,
            url: info.url,
            dynos: dynos.map((d) => ({ name: d.name, type: d.type, state: d.state, since: d.since, nextRestartAt: d.nextRestartAt })),
          });
        } catch {
          // the app is gone, or the platform is: nothing to show for this folder
        }
      }),
    );
    return out.sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0));
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const s of this.subscriptions.splice(0)) s.dispose();
  }
}
