/**
 * A real LSP client for the tests: spawns `node dist/language-server.js --stdio` and talks to
 * it over a vscode-languageserver-protocol connection, as any editor would. It records the
 * diagnostics the server publishes and the capabilities it registers, and applies text edits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeActionRequest,
  CodeLensRequest,
  CompletionRequest,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentSymbolRequest,
  ExitNotification,
  FileChangeType,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  UnregistrationRequest,
  CodeLensRefreshRequest,
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type CodeAction,
  type CodeLens,
  type Command,
  type CompletionItem,
  type CompletionList,
  type Diagnostic,
  type DocumentSymbol,
  type Hover,
  type InitializeResult,
  type Position,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Range,
  type Registration,
  type SymbolInformation,
  type TextEdit,
} from 'vscode-languageserver-protocol/node';
import { ROOT } from '../helpers/tmp';

export const SERVER = join(ROOT, 'dist', 'language-server.js');

export const uriOf = (path: string): string => pathToFileURL(path).href;

export interface StartOptions {
  rootPath?: string;
  initializationOptions?: unknown;
  /** Declare dynamic registration of file watchers (default true). */
  watch?: boolean;
}

type Waiter = { uri: string; check: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void };

export class LspClient {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  readonly registrations: Registration[] = [];
  /** ids of the registrations the server withdrew */
  readonly unregistrations: string[] = [];
  lensRefreshes = 0;
  private waiters: Waiter[] = [];
  private versions = new Map<string, { version: number; text: string }>();
  private lensWaiters: (() => void)[] = [];
  private unregisterWaiters: (() => void)[] = [];
  initializeResult!: InitializeResult;
  stderr = '';

  private constructor(
    readonly process: ChildProcess,
    readonly connection: ProtocolConnection,
  ) {}

  static async start(opts: StartOptions = {}): Promise<LspClient> {
    const child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const client = new LspClient(child, connection);
    child.stderr.on('data', (d: Buffer) => (client.stderr += d.toString()));
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      client.diagnostics.set(p.uri, p);
      client.waiters = client.waiters.filter((w) => {
        if (w.uri !== p.uri || !w.check(p)) return true;
        w.resolve(p);
        return false;
      });
    });
    connection.onRequest(RegistrationRequest.type, (p) => {
      client.registrations.push(...p.registrations);
    });
    connection.onRequest(UnregistrationRequest.type, (p) => {
      client.unregistrations.push(...p.unregisterations.map((u) => u.id));
      for (const w of client.unregisterWaiters.splice(0)) w();
    });
    connection.onRequest(CodeLensRefreshRequest.type, () => {
      client.lensRefreshes++;
      for (const w of client.lensWaiters.splice(0)) w();
    });
    connection.onNotification('window/logMessage', () => undefined);
    connection.listen();
    const watch = opts.watch ?? true;
    client.initializeResult = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: opts.rootPath ? uriOf(opts.rootPath) : null,
      workspaceFolders: opts.rootPath ? [{ uri: uriOf(opts.rootPath), name: 'app' }] : null,
      initializationOptions: opts.initializationOptions,
      capabilities: {
        workspace: {
          didChangeWatchedFiles: { dynamicRegistration: watch, relativePatternSupport: true },
          codeLens: { refreshSupport: true },
        },
        textDocument: {
          hover: { contentFormat: ['markdown', 'plaintext'] },
          completion: { completionItem: { snippetSupport: false } },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } } },
          documentSymbol: { hierarchicalDocumentSymbolSupport: true },
          publishDiagnostics: { versionSupport: true, tagSupport: { valueSet: [1, 2] } },
        },
      },
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  /** Resolves with the next (or current) diagnostics of `uri` that pass `check`. */
  waitForDiagnostics(uri: string, check: (p: PublishDiagnosticsParams) => boolean = () => true, timeoutMs = 20000): Promise<PublishDiagnosticsParams> {
    const current = this.diagnostics.get(uri);
    if (current && check(current)) return Promise.resolve(current);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching diagnostics for ${uri} in ${timeoutMs} ms; last: ${JSON.stringify(this.diagnostics.get(uri)?.diagnostics.map((d) => d.code))}`)), timeoutMs);
      this.waiters.push({
        uri,
        check,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      });
    });
  }

  /** The diagnostics published for the document's current version. */
  async diagnosticsOf(uri: string): Promise<Diagnostic[]> {
    const version = this.versions.get(uri)?.version;
    return (await this.waitForDiagnostics(uri, (p) => p.version === version)).diagnostics;
  }

  /** Resolves at the next client/unregisterCapability request. */
  nextUnregistration(): Promise<void> {
    return new Promise((resolve) => this.unregisterWaiters.push(resolve));
  }

  nextLensRefresh(): Promise<void> {
    return new Promise((resolve) => this.lensWaiters.push(resolve));
  }

  async open(path: string, text: string, languageId: string): Promise<string> {
    const uri = uriOf(path);
    this.diagnostics.delete(uri);
    this.versions.set(uri, { version: 1, text });
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } });
    return uri;
  }

  /** Replaces the whole text (a full-content change). */
  async change(uri: string, text: string): Promise<void> {
    const version = (this.versions.get(uri)?.version ?? 0) + 1;
    this.versions.set(uri, { version, text });
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  async close(uri: string): Promise<void> {
    this.versions.delete(uri);
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  text(uri: string): string {
    return this.versions.get(uri)?.text ?? '';
  }

  fileEvents(changes: { path: string; type: 'created' | 'changed' | 'deleted' }[]): Promise<void> {
    const type = { created: FileChangeType.Created, changed: FileChangeType.Changed, deleted: FileChangeType.Deleted };
    return this.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: changes.map((c) => ({ uri: uriOf(c.path), type: type[c.type] })) });
  }

  hover(uri: string, position: Position): Promise<Hover | null> {
    return this.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
  }

  async completion(uri: string, position: Position, triggerCharacter?: string): Promise<CompletionItem[]> {
    const r: CompletionList | CompletionItem[] | null = await this.connection.sendRequest(CompletionRequest.type, {
      textDocument: { uri },
      position,
      context: triggerCharacter ? { triggerKind: 2, triggerCharacter } : { triggerKind: 1 },
    });
    return r === null ? [] : Array.isArray(r) ? r : r.items;
  }

  async codeActions(uri: string, range: Range, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
    const r: (Command | CodeAction)[] | null = await this.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics } });
    return (r ?? []).filter((a): a is CodeAction => 'title' in a && !('command' in a && typeof a.command === 'string'));
  }

  async symbols(uri: string): Promise<DocumentSymbol[]> {
    const r: DocumentSymbol[] | SymbolInformation[] | null = await this.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } });
    return (r ?? []) as DocumentSymbol[];
  }

  async codeLenses(uri: string): Promise<CodeLens[]> {
    return (await this.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? [];
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.process.exitCode !== null) resolve();
      else this.process.once('exit', () => resolve());
    });
    try {
      await this.connection.sendRequest(ShutdownRequest.type);
      await this.connection.sendNotification(ExitNotification.type);
    } catch {
      this.process.kill();
    }
    const timer = setTimeout(() => this.process.kill(), 5000);
    await exited;
    clearTimeout(timer);
    this.connection.dispose();
  }
}

/** Applies LSP text edits (non-overlapping) to a text. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const offset = (p: Position) => Math.min(text.length, (lineStarts[p.line] ?? text.length) + p.character);
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

/** The edits a code action makes to `uri`. */
export function editsOf(action: CodeAction, uri: string): TextEdit[] {
  return action.edit?.changes?.[uri] ?? [];
}
