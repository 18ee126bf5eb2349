/**
 * Greys, in the Explorer, the files and folders that a `.slugignore` drops from the slug, with
 * the line that drops them in the tooltip. The rules are the platform's (through
 * language-server/slugignore-rules.ts), read from disk as a deploy reads them; a file is
 * governed by the nearest `.slugignore` in its folder or above it, up to the workspace folder
 * (the directory of a `.slugignore` is an app root). Updated when a `.slugignore` is created,
 * changed or deleted.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import * as vscode from 'vscode';
import { slugignoreRules, type SlugignoreRules } from '../language-server/slugignore-rules';

export class SlugignoreDecorations implements vscode.FileDecorationProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri | vscode.Uri[] | undefined>();
  readonly onDidChangeFileDecorations = this.changed.event;
  /** directory → the rules of its `.slugignore`, or null when it has none */
  private readonly rules = new Map<string, SlugignoreRules | null>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher('**/.slugignore');
    const forget = (uri: vscode.Uri) => {
      this.rules.delete(dirname(uri.fsPath));
      this.changed.fire(undefined);
    };
    this.disposables.push(
      watcher,
      watcher.onDidCreate(forget),
      watcher.onDidChange(forget),
      watcher.onDidDelete(forget),
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.rules.clear();
        this.changed.fire(undefined);
      }),
      this.changed,
    );
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined | Thenable<vscode.FileDecoration | undefined> {
    if (uri.scheme !== 'file') return undefined;
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return undefined;
    const top = folder.uri.fsPath;
    for (let dir = dirname(uri.fsPath); ; dir = dirname(dir)) {
      const rules = this.rulesOf(dir);
      if (rules) return decorate(rules, relative(dir, uri.fsPath).split(sep).join('/'), uri);
      if (dir === top || dirname(dir) === dir || !dir.startsWith(top)) return undefined;
    }
  }

  private rulesOf(dir: string): SlugignoreRules | null {
    let r = this.rules.get(dir);
    if (r === undefined) {
      try {
        r = slugignoreRules(readFileSync(join(dir, '.slugignore'), 'utf8'));
      } catch {
        r = null; // none (or unreadable, which a deploy would report)
      }
      this.rules.set(dir, r);
    }
    return r;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function decoration(line: number, pattern: string): vscode.FileDecoration {
  const d = new vscode.FileDecoration(undefined, `dropped by .slugignore (line ${line}: ${pattern.trimEnd()})`, new vscode.ThemeColor('gitDecoration.ignoredResourceForeground'));
  d.propagate = false;
  return d;
}

/** A path a pattern drops as a file is dropped whatever it is; one only a `dir/` pattern drops, only if it is a directory. */
function decorate(rules: SlugignoreRules, path: string, uri: vscode.Uri): vscode.FileDecoration | undefined | Thenable<vscode.FileDecoration | undefined> {
  if (path === '' || path.startsWith('..')) return undefined;
  const rule = rules.droppedBy(path, false);
  if (rule) return decoration(rule.line, rule.pattern);
  const asDir = rules.droppedBy(path, true);
  if (!asDir) return undefined;
  return vscode.workspace.fs.stat(uri).then(
    (st) => (st.type & vscode.FileType.Directory ? decoration(asDir.line, asDir.pattern) : undefined),
    () => undefined,
  );
}

/** Registers the provider; dispose to remove it. */
export function registerSlugignoreDecorations(): vscode.Disposable {
  const provider = new SlugignoreDecorations();
  return vscode.Disposable.from(vscode.window.registerFileDecorationProvider(provider), provider);
}
