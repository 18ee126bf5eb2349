/**
 * What a command was invoked with: a tree node (from a context menu), a plain object (from
 * another extension or a test: `{ app: 'demo' }`), a Uri (from the explorer), or nothing (from
 * the palette, then the command asks).
 */
import * as vscode from 'vscode';
import { AppNode, ConfigVarNode, GroupNode, ReleaseNode } from '../views/nodes';

export function isRecord(arg: unknown): arg is Record<string, unknown> {
  return typeof arg === 'object' && arg !== null && !Array.isArray(arg);
}

/** The app a command argument names, if any. */
export function appOf(arg: unknown): string | undefined {
  if (arg instanceof AppNode || arg instanceof GroupNode) return arg.app.name;
  if (arg instanceof ReleaseNode || arg instanceof ConfigVarNode) return arg.app;
  if (isRecord(arg) && typeof arg.app === 'string') return arg.app;
  return undefined;
}

export function stringField(arg: unknown, key: string): string | undefined {
  return isRecord(arg) && typeof arg[key] === 'string' ? arg[key] : undefined;
}

export function numberField(arg: unknown, key: string): number | undefined {
  return isRecord(arg) && typeof arg[key] === 'number' ? arg[key] : undefined;
}

export function boolField(arg: unknown, key: string): boolean {
  return isRecord(arg) && arg[key] === true;
}

/** A folder given as a Uri, a path string, or `{ folder }`. */
export function folderOf(arg: unknown): string | undefined {
  if (arg instanceof vscode.Uri) return arg.fsPath;
  if (isRecord(arg)) {
    const f = arg.folder;
    if (typeof f === 'string') return f;
    if (f instanceof vscode.Uri) return f.fsPath;
  }
  return undefined;
}
