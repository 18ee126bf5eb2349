/**
 * The Slipway language server on a connection: Procfile and `.slugignore` documents (by
 * language id `procfile` / `slugignore`, or by file name for editors that have no such ids),
 * their features (procfile-features.ts, slugignore-features.ts), the file lists of the app
 * folders that have a `.slugignore` open (file-index.ts), and the deployments the editor
 * reports (protocol.ts, optional).
 *
 * File lists follow `workspace/didChangeWatchedFiles`: the server asks the client to watch each
 * app folder it indexes (dynamic registration, a RelativePattern where the client supports
 * it). A folder's list is dropped when its last `.slugignore` closes, and walked again when
 * one opens: a client that cannot watch files gets a fresh list at each open.
 */
import { basename, dirname, resolve } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  CodeLensRefreshRequest,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type Disposable,
  type InitializeResult,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Deployments } from './deployments';
import { FileIndex, type FileChange } from './file-index';
import { packageCommands } from './package-scripts';
import { procfileCodeActions, procfileCodeLenses, procfileCompletion, procfileDiagnostics, procfileHover, procfileSymbols } from './procfile-features';
import { DEPLOYMENTS_NOTIFICATION, type DeploymentsParams, type InitializationOptions } from './protocol';
import { pendingWork, slugignoreCodeActions, slugignoreDiagnostics, slugignoreHover } from './slugignore-features';

type Kind = 'procfile' | 'slugignore';

/** The absolute path of a `file:` URI, else undefined. */
function pathOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

/** The app folder of a document: the directory it is in. */
function rootOf(uri: string): string | undefined {
  const path = pathOf(uri);
  return path ? dirname(resolve(path)) : undefined;
}

export function kindOf(doc: { uri: string; languageId: string }): Kind | undefined {
  if (doc.languageId === 'procfile') return 'procfile';
  if (doc.languageId === 'slugignore') return 'slugignore';
  const name = basename(pathOf(doc.uri) ?? doc.uri);
  if (name === 'Procfile') return 'procfile';
  if (name === '.slugignore') return 'slugignore';
  return undefined;
}

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const deployments = new Deployments();
  const indexes = new Map<string, FileIndex>();
  const log = (line: string) => connection.console.log(line);
  let watch: 'relative' | 'glob' | 'none' = 'none';
  let lensRefresh = false;
  let globWatcherRegistered = false;

  connection.onInitialize((params): InitializeResult => {
    const ws = params.capabilities.workspace;
    const files = ws?.didChangeWatchedFiles;
    watch = files?.dynamicRegistration ? (files.relativePatternSupport ? 'relative' : 'glob') : 'none';
    lensRefresh = ws?.codeLens?.refreshSupport === true;
    deployments.set((params.initializationOptions as InitializationOptions | null | undefined)?.deployments);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        completionProvider: { triggerCharacters: [' '] },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        documentSymbolProvider: true,
        codeLensProvider: { resolveProvider: false },
      },
      serverInfo: { name: 'slipway-language-server' },
    };
  });

  // ---- the file lists of app folders ----

  /** The index of the folder of a `.slugignore` (created, walked and watched on first use). */
  function indexFor(uri: string): FileIndex | undefined {
    const root = rootOf(uri);
    if (!root) return undefined;
    let index = indexes.get(root);
    if (!index) {
      index = new FileIndex(root);
      indexes.set(root, index);
      const i = index;
      void index.load().then(() => {
        log(`indexed ${root}: ${i.files} files in ${Math.round(i.walkMs)} ms`);
        loaded.add(i);
        if (indexes.get(root) === i) refreshSlugignores(root);
      });
      watchFolder(root);
    }
    return index;
  }

  /** The watcher registrations per app folder (disposed when the folder's last `.slugignore` closes). */
  const watchers = new Map<string, Promise<Disposable | undefined>>();

  function watchFolder(root: string): void {
    if (watch === 'none' || (watch === 'glob' && globWatcherRegistered)) return;
    globWatcherRegistered = true;
    const globPattern = watch === 'relative' ? { baseUri: pathToFileURL(root).href, pattern: '**/*' } : '**/*';
    const registration = connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern }] }).catch((err: unknown) => {
      log(`could not watch ${root}: ${(err as Error).message}`);
      return undefined;
    });
    if (watch === 'relative') watchers.set(root, registration);
  }

  /** Forgets the file list of `root` once no `.slugignore` of it is open (it is walked again on the next open). */
  function release(root: string): void {
    if (documents.all().some((d) => kindOf(d) === 'slugignore' && rootOf(d.uri) === root)) return;
    indexes.delete(root);
    const registration = watchers.get(root);
    watchers.delete(root);
    void registration?.then((d) => d?.dispose());
  }

  /** Whether `index` is loaded (diagnostics that need it wait for it). */
  const loaded = new WeakSet<FileIndex>();

  let queue = Promise.resolve();
  connection.onDidChangeWatchedFiles(({ changes }) => {
    queue = queue.then(async () => {
      const touched = new Set<string>();
      for (const c of changes) {
        const path = pathOf(c.uri);
        if (!path) continue;
        const change: FileChange = c.type === FileChangeType.Created ? 'created' : c.type === FileChangeType.Deleted ? 'deleted' : 'changed';
        for (const [root, index] of indexes) {
          if (index.relativePath(path) === undefined) continue;
          await index.load();
          if (await index.apply(path, change)) touched.add(root);
        }
      }
      for (const root of touched) refreshSlugignores(root);
    });
  });

  // ---- diagnostics ----

  function publish(doc: TextDocument): void {
    const kind = kindOf(doc);
    if (kind === 'procfile') {
      void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: procfileDiagnostics(doc) });
    } else if (kind === 'slugignore') {
      void checkSlugignore(doc);
    }
  }

  /** The newest check of each open `.slugignore`: an older one stops at its next step. */
  const checks = new Map<string, object>();

  /**
   * Publishes a `.slugignore`'s diagnostics: SI001 at once while the folder is still being
   * walked; with the files known, SI101/SI102 once every pattern is checked (one walk of the
   * file list per new pattern, one per turn of the event loop), then the hovers of every line
   * are worked out in the background, so that a hover is an answer from the cache.
   */
  async function checkSlugignore(doc: TextDocument): Promise<void> {
    const token = {};
    checks.set(doc.uri, token);
    const version = doc.version; // the document object is updated in place: keep the version this check is for
    const current = () => checks.get(doc.uri) === token && documents.get(doc.uri)?.version === version;
    const index = indexFor(doc.uri);
    if (!index || !loaded.has(index)) {
      void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: slugignoreDiagnostics(doc, undefined) });
      return; // published again once the folder is walked (refreshSlugignores)
    }
    const work = pendingWork(doc, index);
    for (const step of work.own) {
      step();
      await nextTurn();
      if (!current()) return;
    }
    void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: slugignoreDiagnostics(doc, index) });
    for (const step of work.fresh) {
      await nextTurn();
      if (!current()) return;
      step();
    }
  }

  /** Re-checks the open `.slugignore` of `root` (its folder's files changed). */
  function refreshSlugignores(root: string): void {
    for (const doc of documents.all()) {
      if (kindOf(doc) === 'slugignore' && rootOf(doc.uri) === root) void checkSlugignore(doc);
    }
  }

  documents.onDidChangeContent(({ document }) => publish(document));
  documents.onDidClose(({ document }) => {
    checks.delete(document.uri);
    if (kindOf(document) === 'slugignore') {
      const root = rootOf(document.uri);
      if (root) release(root);
    }
    if (kindOf(document)) void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
  });

  // ---- deployments (optional) ----

  connection.onNotification(DEPLOYMENTS_NOTIFICATION, (params: DeploymentsParams) => {
    if (deployments.set(params?.deployments) && lensRefresh) {
      connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
    }
  });
  const deploymentOf = (uri: string) => {
    const path = pathOf(uri);
    return path ? deployments.forProcfile(path) : undefined;
  };

  // ---- requests ----

  connection.onHover(({ textDocument, position }) => {
    const doc = documents.get(textDocument.uri);
    if (!doc) return null;
    const kind = kindOf(doc);
    if (kind === 'procfile') return procfileHover(doc, position, deploymentOf(doc.uri));
    if (kind === 'slugignore') {
      const index = indexFor(doc.uri);
      return index ? index.load().then(() => slugignoreHover(doc, position, index)) : slugignoreHover(doc, position, undefined);
    }
    return null;
  });

  connection.onCompletion(({ textDocument, position, context }) => {
    const doc = documents.get(textDocument.uri);
    if (!doc || kindOf(doc) !== 'procfile') return [];
    const path = pathOf(doc.uri);
    return procfileCompletion(doc, position, () => (path ? packageCommands(dirname(path)) : []), context?.triggerCharacter);
  });

  connection.onCodeAction(({ textDocument, range, context }) => {
    const doc = documents.get(textDocument.uri);
    if (!doc) return [];
    if (context.only && !context.only.some((k) => k === CodeActionKind.QuickFix || CodeActionKind.QuickFix.startsWith(`${k}.`))) return [];
    const kind = kindOf(doc);
    if (kind === 'procfile') return procfileCodeActions(doc, range, context.diagnostics);
    if (kind === 'slugignore') return slugignoreCodeActions(doc, range, context.diagnostics);
    return [];
  });

  connection.onDocumentSymbol(({ textDocument }) => {
    const doc = documents.get(textDocument.uri);
    return doc && kindOf(doc) === 'procfile' ? procfileSymbols(doc) : [];
  });

  connection.onCodeLens(({ textDocument }) => {
    const doc = documents.get(textDocument.uri);
    return doc && kindOf(doc) === 'procfile' ? procfileCodeLenses(doc, deploymentOf(doc.uri)) : [];
  });

  documents.listen(connection);
  connection.listen();
}
