/**
 * What `activate` returns: `vscode.extensions.getExtension('slipway.slipway').exports`. A narrow,
 * read-mostly view for the in-host test suite and other extensions: the activation figures, the
 * command ids, and what the suite observes (the tree, the platform session, the slug status,
 * the log panel's state). Not the context object itself: what is not named here stays internal.
 */
import type * as vscode from 'vscode';
import type { SlipwayClient } from '../platform/api/client';
import type { LogPanelState } from './logs/log-view';
import type { PlatformEvents } from './platform-events';
import type { PlatformProcess } from './platform-process';
import type { SlugStatus } from './slugs/slug-status-item';
import type { AppsTreeProvider } from './views/apps-tree';
import type { TreeNode } from './views/nodes';

export interface SlipwayInspect {
  /** A client of the running platform (starts one when `start`). */
  client(opts?: { start?: boolean }): Promise<SlipwayClient>;
  readonly platform: Pick<PlatformProcess, 'home' | 'info' | 'state' | 'owned' | 'lastError' | 'onDidChangeState'>;
  readonly tree: Pick<AppsTreeProvider, 'getTreeItem' | 'getChildren' | 'onDidChangeTreeData' | 'countdown'>;
  readonly treeView: Pick<vscode.TreeView<TreeNode>, 'visible'>;
  readonly slugStatus: Pick<SlugStatus, 'text' | 'settled' | 'folderShown' | 'runs' | 'cancelled'>;
  /** The session's event stream (GET /events): connected, and how many events it received. */
  readonly events: Pick<PlatformEvents, 'connected' | 'received'> | null;
  /** The app a folder deploys to (remembered by Deploy). */
  appForFolder(folder: string): string | undefined;
  /** What the log panel holds and draws (asked of its webview). */
  logPanelState(): Promise<LogPanelState>;
  readonly activationDetail: string;
}

export interface SlipwayApi {
  /** Time spent inside activate(), in milliseconds. */
  readonly activationMs: number;
  readonly inspect: SlipwayInspect;
  /** The ids of the command table (extension/commands.ts). */
  readonly commands: readonly string[];
}
