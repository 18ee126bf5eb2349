/**
 * The nodes of the Apps tree. Plain data: the provider turns them into TreeItems, and commands
 * run from a context menu receive them as their first argument (see `appOf` in actions/args.ts).
 */
import type { App, Dyno, Release } from '../../platform/api/schemas';

export type GroupKind = 'releases' | 'dynos' | 'config' | 'formation';

/**
 * One instance per app for as long as the app exists: a refresh updates `app` in place, so
 * VS Code can refresh just this node (and a context-menu command on a node elsewhere in the
 * tree still finds its element while this one reloads).
 */
export class AppNode {
  readonly kind = 'app';
  constructor(public app: App) {}
}

export class GroupNode {
  readonly kind = 'group';
  constructor(
    readonly appNode: AppNode,
    readonly group: GroupKind,
  ) {}

  get app(): App {
    return this.appNode.app;
  }
}

export class ReleaseNode {
  readonly kind = 'release';
  constructor(
    readonly app: string,
    readonly release: Release,
  ) {}
}

export class DynoNode {
  readonly kind = 'dyno';
  constructor(
    readonly app: string,
    readonly dyno: Dyno,
  ) {}
}

export class ConfigVarNode {
  readonly kind = 'configVar';
  constructor(
    readonly app: string,
    readonly key: string,
    readonly value: string,
  ) {}
}

export class ProcessTypeNode {
  readonly kind = 'processType';
  constructor(
    readonly app: string,
    readonly type: string,
    readonly quantity: number,
  ) {}
}

/** A leaf that says something instead of data: "no releases yet", a load error. */
export class MessageNode {
  readonly kind = 'message';
  constructor(
    readonly id: string,
    readonly text: string,
    readonly tooltip?: string,
    readonly isError = false,
  ) {}
}

export type TreeNode = AppNode | GroupNode | ReleaseNode | DynoNode | ConfigVarNode | ProcessTypeNode | MessageNode;

/** contextValue of a release: `release.current`, `release.failed`, `release.pending` or `release`. */
export function releaseContext(r: Release): string {
  if (r.current) return 'release.current';
  if (r.status === 'failed') return 'release.failed';
  if (r.status === 'pending') return 'release.pending';
  return 'release';
}

export const CONFIG_MASK = '••••';
