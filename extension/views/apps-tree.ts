/**
 * The `slipway.apps` tree: Apps → each app → Releases, Dynos, Config Vars, Formation.
 *
 * The provider owns its EventEmitter. It refreshes when something tells it to (`refresh()`):
 * on the platform's events (GET /events, see platform-events.ts), after each command the
 * extension runs, on the manual Refresh button, and when the platform starts or stops. No
 * polling timers.
 */
import * as vscode from 'vscode';
import type { PlatformEvent } from '../../platform/api/schemas';
import { ClientError, type SlipwayClient } from '../../platform/api/client';
import type { PlatformState } from '../platform-process';
import { formatAge } from './age';
import { CrashCountdown, crashedText } from './crash-countdown';
import { AppNode, CONFIG_MASK, ConfigVarNode, DynoNode, GroupNode, MessageNode, ProcessTypeNode, ReleaseNode, releaseContext, type GroupKind, type TreeNode } from './nodes';

export interface TreeDataSource {
  state(): PlatformState;
  /** A client for the running platform; never starts one (the tree only shows). */
  client(): Promise<SlipwayClient>;
}

const GROUP_LABELS = { releases: 'Releases', dynos: 'Dynos', config: 'Config Vars', formation: 'Formation' } as const;
const GROUP_ICONS = { releases: 'history', dynos: 'server-process', config: 'symbol-key', formation: 'layers' } as const;

export class AppsTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** `app\0KEY` of the config vars whose value is shown. */
  private readonly revealed = new Set<string>();

  /** Redraws the rows of crashed dynos once a second while they count down to their restart. */
  readonly countdown = new CrashCountdown((nodes) => {
    for (const n of nodes) this.changed.fire(n);
  });

  constructor(private readonly source: TreeDataSource) {}

  /** Follows the view: the countdown runs only while it is visible and the dynos are expanded. */
  watchView(view: vscode.TreeView<TreeNode>): vscode.Disposable {
    this.countdown.setVisible(view.visible);
    const collapsed = (node: TreeNode) => {
      if (node.kind === 'app' || (node.kind === 'group' && node.group === 'dynos')) this.countdown.forget(node.app.name);
    };
    return vscode.Disposable.from(
      view.onDidChangeVisibility((e) => this.countdown.setVisible(e.visible)),
      view.onDidCollapseElement((e) => collapsed(e.element)),
    );
  }

  /** The nodes last handed to VS Code, so that a refresh can name just the part that changed. */
  private readonly appNodes = new Map<string, AppNode>();
  private readonly groupNodes = new Map<string, GroupNode>();

  /** Re-reads the whole tree (or one node) from the platform. */
  refresh(node?: TreeNode): void {
    this.changed.fire(node);
  }

  /**
   * Re-reads one app: its row (current release, formation) and everything under it. Falls back
   * to the whole tree when the app is not shown yet.
   */
  async refreshApp(name: string): Promise<void> {
    const node = this.appNodes.get(name);
    if (!node) return this.refresh();
    try {
      node.app = await (await this.source.client()).app(name);
    } catch {
      return this.refresh(); // gone, or the platform is: the root says which
    }
    this.refresh(node);
  }

  /** Re-reads one group of an app (Releases, Dynos, Config Vars, Formation), if it is shown. */
  refreshGroup(app: string, group: GroupKind): void {
    const node = this.groupNodes.get(`${app}/${group}`);
    if (node) this.refresh(node);
  }

  /**
   * Platform events, coalesced: refresh only what they name. Dyno state changes (frequent)
   * touch only that app's Dynos node; releases, config and formation its app; apps the root.
   * An empty list (a reconnect: events may have been missed) refreshes everything.
   */
  applyEvents(events: readonly PlatformEvent[]): void {
    if (events.length === 0 || events.some((e) => e.kind === 'apps' || e.app === null)) return this.refresh();
    const byApp = new Map<string, Set<PlatformEvent['kind']>>();
    for (const e of events) if (e.app) byApp.set(e.app, (byApp.get(e.app) ?? new Set()).add(e.kind));
    for (const [app, kinds] of byApp) {
      if (kinds.has('releases') || kinds.has('formation') || kinds.has('config')) void this.refreshApp(app);
      else if (kinds.has('dynos')) this.refreshGroup(app, 'dynos');
    }
  }

  isRevealed(app: string, key: string): boolean {
    return this.revealed.has(`${app}\0${key}`);
  }

  setRevealed(node: ConfigVarNode, revealed: boolean): void {
    const id = `${node.app}\0${node.key}`;
    if (revealed) this.revealed.add(id);
    else this.revealed.delete(id);
    // The shown Config Vars node (the argument may be a copy made from a command's arguments).
    this.refreshGroup(node.app, 'config');
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'app': {
        const { app } = node;
        const item = new vscode.TreeItem(app.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `app:${app.name}`;
        item.contextValue = 'app';
        item.description = app.currentRelease === null ? 'not deployed' : `v${app.currentRelease}`;
        item.iconPath = new vscode.ThemeIcon('rocket');
        item.tooltip = new vscode.MarkdownString(`**${app.name}**\n\n${app.url}\n\n${app.currentRelease === null ? 'No release yet: deploy it.' : `Current release v${app.currentRelease}`}`);
        return item;
      }
      case 'group':
        return this.groupItem(node);
      case 'release':
        return releaseItem(node);
      case 'dyno':
        return dynoItem(node);
      case 'configVar': {
        const shown = this.isRevealed(node.app, node.key);
        const item = new vscode.TreeItem(node.key, vscode.TreeItemCollapsibleState.None);
        item.id = `app:${node.app}/config/${node.key}`;
        item.contextValue = shown ? 'configVar.revealed' : 'configVar';
        item.description = shown ? node.value : CONFIG_MASK;
        item.tooltip = shown ? node.value : 'Value hidden: use "Reveal" to show it';
        item.iconPath = new vscode.ThemeIcon('symbol-constant');
        return item;
      }
      case 'processType': {
        const item = new vscode.TreeItem(node.type, vscode.TreeItemCollapsibleState.None);
        item.id = `app:${node.app}/formation/${node.type}`;
        item.contextValue = 'processType';
        item.description = `${node.quantity}`;
        item.tooltip = `${node.type}=${node.quantity}: ${node.quantity === 0 ? 'scaled to zero' : `${node.quantity} dyno${node.quantity === 1 ? '' : 's'}`}`;
        item.iconPath = new vscode.ThemeIcon(node.quantity > 0 ? 'symbol-event' : 'circle-slash');
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.id = node.id;
        item.contextValue = 'message';
        item.tooltip = node.tooltip;
        if (node.isError) item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        return item;
      }
    }
  }

  /** The release tooltip is built on hover: it needs the slug size formatter, loaded lazily to keep activation cheap. */
  async resolveTreeItem(item: vscode.TreeItem, node: TreeNode): Promise<vscode.TreeItem> {
    if (node.kind === 'release') item.tooltip = await releaseTooltip(node);
    return item;
  }

  private groupItem(node: GroupNode): vscode.TreeItem {
    const { app, group } = node;
    const item = new vscode.TreeItem(GROUP_LABELS[group], vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `app:${app.name}/${group}`;
    item.contextValue = group === 'config' ? 'configVars' : group;
    item.iconPath = new vscode.ThemeIcon(GROUP_ICONS[group]);
    if (group === 'releases') item.description = app.currentRelease === null ? 'none yet' : `v${app.currentRelease} current`;
    if (group === 'dynos') {
      const n = Object.values(app.formation).reduce((a, b) => a + b, 0);
      item.description = `${n} in the formation`;
    }
    if (group === 'formation') {
      const f = Object.entries(app.formation);
      item.description = f.length ? f.map(([t, n]) => `${t}=${n}`).join(' ') : 'set by the first deploy';
    }
    return item;
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    if (!node) return this.apps();
    if (node.kind === 'app') {
      return (['releases', 'dynos', 'config', 'formation'] as const).map((g) => {
        const key = `${node.app.name}/${g}`;
        let group = this.groupNodes.get(key);
        if (group?.appNode !== node) {
          group = new GroupNode(node, g);
          this.groupNodes.set(key, group);
        }
        return group;
      });
    }
    if (node.kind !== 'group') return [];
    const { app } = node;
    try {
      switch (node.group) {
        case 'releases': {
          const releases = await (await this.source.client()).releases(app.name);
          if (releases.length === 0) return [new MessageNode(`app:${app.name}/releases/none`, 'No releases yet: deploy the app')];
          return releases.map((r) => new ReleaseNode(app.name, r));
        }
        case 'config': {
          const config = await (await this.source.client()).config(app.name);
          const keys = Object.keys(config).sort();
          if (keys.length === 0) return [new MessageNode(`app:${app.name}/config/none`, 'No config vars')];
          return keys.map((k) => new ConfigVarNode(app.name, k, config[k]));
        }
        case 'formation': {
          const types = Object.entries(app.formation);
          if (types.length === 0) return [new MessageNode(`app:${app.name}/formation/none`, 'No process types yet: the first deploy sets them')];
          return types.map(([t, n]) => new ProcessTypeNode(app.name, t, n));
        }
        case 'dynos': {
          let dynos;
          try {
            dynos = await (await this.source.client()).dynos(app.name);
          } catch (err) {
            // a platform older than the dyno routes
            if (err instanceof ClientError && err.code === 'route_not_found') return [new MessageNode(`app:${app.name}/dynos/none`, '(dynos coming)')];
            throw err;
          }
          const nodes = dynos.map((d) => new DynoNode(app.name, d));
          this.countdown.track(app.name, nodes);
          if (nodes.length === 0) return [new MessageNode(`app:${app.name}/dynos/none`, app.currentRelease === null ? 'No dynos: deploy the app' : 'No dynos running: scale a process type up')];
          return nodes;
        }
      }
    } catch (err) {
      return [loadError(`app:${app.name}/${node.group}/error`, err)];
    }
  }

  private async apps(): Promise<TreeNode[]> {
    // Not running: an empty tree, so the view shows its welcome content (Start Platform).
    if (this.source.state() !== 'running' && this.source.state() !== 'starting') return [];
    try {
      const apps = await (await this.source.client()).apps();
      const names = new Set(apps.map((a) => a.name));
      for (const name of [...this.appNodes.keys()]) {
        if (names.has(name)) continue;
        this.appNodes.delete(name);
        this.countdown.forget(name);
        for (const key of [...this.groupNodes.keys()]) if (key.startsWith(`${name}/`)) this.groupNodes.delete(key);
      }
      return apps
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((a) => {
          const node = this.appNodes.get(a.name);
          if (!node) {
            const created = new AppNode(a);
            this.appNodes.set(a.name, created);
            return created;
          }
          node.app = a;
          return node;
        });
    } catch (err) {
      if (this.source.state() !== 'running') return [];
      return [loadError('apps/error', err)];
    }
  }

  dispose(): void {
    this.countdown.dispose();
    this.changed.dispose();
  }
}

function loadError(id: string, err: unknown): MessageNode {
  const message = err instanceof Error ? err.message : String(err);
  return new MessageNode(id, `Could not load: ${message}`, message, true);
}

const DYNO_ICONS = {
  up: new vscode.ThemeIcon('vm-running', new vscode.ThemeColor('testing.iconPassed')),
  starting: new vscode.ThemeIcon('loading~spin'),
  crashed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  down: new vscode.ThemeIcon('circle-slash'),
} as const;

function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString();
}

/** A dyno: `web.1`, "up · v3 · 2 restarts", contextValue `dyno.up` / `dyno.crashed` / …; a crashed one counts down to its restart ("crashed · restart in 8s"). */
function dynoItem(node: DynoNode): vscode.TreeItem {
  const d = node.dyno;
  const item = new vscode.TreeItem(d.name, vscode.TreeItemCollapsibleState.None);
  item.id = `app:${node.app}/dyno/${d.name}`;
  item.contextValue = `dyno.${d.state}`;
  const parts: string[] = [d.state === 'crashed' ? crashedText(d.nextRestartAt) : d.state, `v${d.release}`];
  if (d.restarts > 0) parts.push(`${d.restarts} restart${d.restarts === 1 ? '' : 's'}`);
  item.description = parts.join(' · ');
  item.iconPath = DYNO_ICONS[d.state];
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${d.name}** — ${d.state} since ${clock(d.since)}\n\n`);
  md.appendText(d.command);
  md.appendMarkdown(`\n\nrelease v${d.release}${d.port ? ` · port ${d.port}` : ''}${d.pid ? ` · pid ${d.pid}` : ''}${d.sandboxed ? ' · sandboxed' : ' · not sandboxed'}`);
  if (d.nextRestartAt) md.appendMarkdown(`\n\nrestarts at ${clock(d.nextRestartAt)} (crash backoff)`);
  item.tooltip = md;
  return item;
}

function releaseItem(node: ReleaseNode): vscode.TreeItem {
  const r = node.release;
  const item = new vscode.TreeItem(`v${r.version}`, vscode.TreeItemCollapsibleState.None);
  item.id = `app:${node.app}/release/${r.version}`;
  item.contextValue = releaseContext(r);
  item.description = `${r.description} · ${formatAge(r.createdAt)}`;
  if (r.current) item.iconPath = new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'));
  else if (r.status === 'failed') item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
  else if (r.status === 'pending') item.iconPath = new vscode.ThemeIcon('loading~spin');
  else item.iconPath = new vscode.ThemeIcon('circle-outline');
  return item;
}

async function releaseTooltip(node: ReleaseNode): Promise<vscode.MarkdownString> {
  const { formatSize } = await import('../../platform/shared/size');
  const r = node.release;
  const state = r.current ? 'current' : r.status === 'failed' ? 'failed: never went live' : r.status;
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**v${r.version}** — ${state}\n\n`);
  md.appendText(r.description);
  md.appendMarkdown(`\n\nslug \`${r.slug.id.slice(0, 12)}\` (${formatSize(r.slug.size)})`);
  if (r.commit) md.appendMarkdown(` · commit \`${r.commit.slice(0, 7)}\``);
  md.appendMarkdown(`\n\n${new Date(r.createdAt).toLocaleString()}`);
  return md;
}
