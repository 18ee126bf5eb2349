/**
 * Procfile and .slugignore language support in a real extension host: the language server
 * (dist/language-server.js, started by extension/language-client.ts when such a file opens)
 * flags a broken Procfile with the platform's diagnostics, its quick fix edits the document,
 * `.slugignore` gets SI001/SI101 and its fix, the Explorer decoration says which line drops a
 * file, and a deployed folder's Procfile shows its dynos in a CodeLens.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { DeployOutcome } from '../../../extension/actions/deploy';
import type { SlipwayApi } from '../../../extension/api';
import type { SlipwayInspect } from '../../../extension/api';
import { SlugignoreDecorations } from '../../../extension/views/slugignore-decorations';
import { facts } from './facts';
import { until } from './until';

const EXTENSION_ID = 'slipway.slipway';
const APP = 'lang-app';

const codeOf = (d: vscode.Diagnostic): string => String(typeof d.code === 'object' ? d.code.value : d.code);

/** The diagnostics of `uri` once `check` holds, waiting on vscode.languages.onDidChangeDiagnostics. */
function diagnosticsWhen(uri: vscode.Uri, check: (ds: vscode.Diagnostic[]) => boolean, what: string, timeoutMs = 30000): Promise<vscode.Diagnostic[]> {
  const now = vscode.languages.getDiagnostics(uri);
  if (check(now)) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; diagnostics: ${JSON.stringify(vscode.languages.getDiagnostics(uri).map(codeOf))}`));
    }, timeoutMs);
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (!e.uris.some((u) => u.toString() === uri.toString())) return;
      const ds = vscode.languages.getDiagnostics(uri);
      if (!check(ds)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(ds);
    });
  });
}

async function quickFixes(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  const actions = (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', uri, range, vscode.CodeActionKind.QuickFix.value)) ?? [];
  return actions.filter((a): a is vscode.CodeAction => 'edit' in a || 'kind' in a);
}

describe('Procfile and .slugignore language support', function () {
  let ctx: SlipwayInspect;
  let root: string;

  before(async function () {
    const ext = vscode.extensions.getExtension<SlipwayApi>(EXTENSION_ID);
    assert.ok(ext);
    ctx = (await ext.activate()).inspect;
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test workspace has a folder');
    root = join(folder.uri.fsPath, 'language');
    mkdirSync(root, { recursive: true });
  });

  after(async function () {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    try {
      const client = await ctx.client({ start: false });
      await client.destroyApp(APP);
    } catch {
      // never created, or the platform is down
    }
    if (root) rmSync(root, { recursive: true, force: true }); // the workspace is left as it was for the suites after this one
  });

  it('flags a broken Procfile with the platform\'s diagnostics: PF codes, ranges, source "slipway"', async function () {
    const dir = join(root, 'broken');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'Procfile'), 'web: node server.js --port $PORT\nworker node worker.js\n my worker: node w.js\nweb: node other.js\n');
    const uri = vscode.Uri.file(join(dir, 'Procfile'));
    const t0 = performance.now();
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.languageId, 'procfile');
    await vscode.window.showTextDocument(doc);
    const ds = await diagnosticsWhen(uri, (d) => d.some((x) => codeOf(x).startsWith('PF')), 'PF diagnostics');
    facts().procfileDiagnosticsAfterOpenMs = Math.round(performance.now() - t0);
    assert.deepEqual(ds.map(codeOf), ['PF001', 'PF002', 'PF004']);
    assert.ok(ds.every((d) => d.source === 'slipway'));
    assert.ok(ds.every((d) => d.severity === vscode.DiagnosticSeverity.Error));
    const pf002 = ds.find((d) => codeOf(d) === 'PF002');
    assert.ok(pf002);
    assert.deepEqual([pf002.range.start.line, pf002.range.start.character, pf002.range.end.character], [2, 0, 10]);
    assert.match(pf002.message, /invalid process type name " my worker"/);
  });

  it('fixes PF002 and PF004 with their quick fixes (vscode.executeCodeActionProvider)', async function () {
    const uri = vscode.Uri.file(join(root, 'broken', 'Procfile'));
    const doc = await vscode.workspace.openTextDocument(uri);
    const ds = vscode.languages.getDiagnostics(uri);
    const pf002 = ds.find((d) => codeOf(d) === 'PF002');
    assert.ok(pf002);
    const rename = (await quickFixes(uri, pf002.range)).find((a) => a.title === 'Rename to "my-worker"');
    assert.ok(rename?.edit, 'a "Rename to" quick fix with an edit');
    assert.ok(await vscode.workspace.applyEdit(rename.edit));
    assert.equal(doc.lineAt(2).text, 'my-worker: node w.js');
    await diagnosticsWhen(uri, (d) => !d.some((x) => codeOf(x) === 'PF002'), 'PF002 to go');

    const pf004 = vscode.languages.getDiagnostics(uri).find((d) => codeOf(d) === 'PF004');
    assert.ok(pf004);
    const remove = (await quickFixes(uri, pf004.range)).find((a) => a.title === 'Remove the duplicate line');
    assert.ok(remove?.edit);
    assert.ok(await vscode.workspace.applyEdit(remove.edit));
    assert.equal(doc.getText(), 'web: node server.js --port $PORT\nworker node worker.js\nmy-worker: node w.js\n');
    const left = await diagnosticsWhen(uri, (d) => !d.some((x) => codeOf(x) === 'PF004'), 'PF004 to go');
    assert.deepEqual(left.map(codeOf), ['PF001']);
    await doc.save();
  });

  it('flags a .slugignore ! line (SI001) and a pattern that matches nothing (SI101); the fix deletes the ! line', async function () {
    const dir = join(root, 'slug');
    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'Procfile'), 'web: node server.js\n');
    writeFileSync(join(dir, 'package.json'), '{"name":"slug"}\n');
    writeFileSync(join(dir, 'assets', 'logo.psd'), 'psd');
    writeFileSync(join(dir, '.slugignore'), '*.psd\n!assets/keep.psd\nno-such-file\n');
    const uri = vscode.Uri.file(join(dir, '.slugignore'));
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.languageId, 'slugignore');
    const ds = await diagnosticsWhen(uri, (d) => d.some((x) => codeOf(x) === 'SI101'), 'SI001 and SI101');
    assert.deepEqual(ds.map((d) => [codeOf(d), d.range.start.line]), [['SI001', 1], ['SI101', 2]]);
    const si001 = ds[0];
    const fix = (await quickFixes(uri, si001.range)).find((a) => a.isPreferred);
    assert.ok(fix?.edit);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.equal(doc.getText(), '*.psd\nno-such-file\n');
    await diagnosticsWhen(uri, (d) => d.length === 1 && codeOf(d[0]) === 'SI101', 'SI001 to go');
    await doc.save();

    const hover = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(0, 1));
    const text = hover.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /drops \*\*1 file\*\*, \*\*3 B\*\*/);
  });

  it('greys what .slugignore drops in the Explorer, naming the line', async function () {
    const dir = join(root, 'slug');
    const provider = new SlugignoreDecorations();
    try {
      const psd = await provider.provideFileDecoration(vscode.Uri.file(join(dir, 'assets', 'logo.psd')));
      assert.equal(psd?.tooltip, 'dropped by .slugignore (line 1: *.psd)');
      assert.ok(psd?.color instanceof vscode.ThemeColor);
      assert.equal(await provider.provideFileDecoration(vscode.Uri.file(join(dir, 'Procfile'))), undefined);
    } finally {
      provider.dispose();
    }
  });

  it('shows the dynos of a deployed folder in a CodeLens over each process type, with Scale, Restart and Logs', async function () {
    const dir = join(root, 'deployed');
    cpSync(join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'fixtures', 'apps', 'node-web-worker'), dir, { recursive: true });
    const client = await ctx.client({ start: true });
    await client.createApp(APP);
    const outcome = await vscode.commands.executeCommand<DeployOutcome | undefined>('slipway.deploy', { folder: dir, app: APP });
    assert.equal(outcome?.error, undefined, `deploy failed: ${outcome?.error}`);
    const uri = vscode.Uri.file(join(dir, 'Procfile'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const t0 = performance.now();
    const lenses = await until(async () => {
      const all = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
      return all.some((l) => l.command?.title === 'web: 1 up') ? all : undefined;
    }, 'a "web: 1 up" CodeLens');
    facts().procfileLensAfterDeployMs = Math.round(performance.now() - t0);
    const titles = (line: number) => lenses.filter((l) => l.range.start.line === line).map((l) => l.command?.title);
    assert.deepEqual(titles(1), ['web: 1 up', 'Scale', 'Restart', 'Logs']);
    assert.deepEqual(titles(2), ['worker: scaled to 0', 'Scale', 'Logs']);
    const scale = lenses.find((l) => l.range.start.line === 1 && l.command?.title === 'Scale');
    assert.equal(scale?.command?.command, 'slipway.ps.scale');
    assert.deepEqual(scale?.command?.arguments, [{ app: APP, type: 'web' }]);

    const hover = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(1, 1));
    const text = hover.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /router's HTTP traffic/);
    assert.match(text, new RegExp(`\\*\\*${APP}\\*\\* v1: web: 1 up`));
  });
});
