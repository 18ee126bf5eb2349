/**
 * The operations of issue 5 in a real extension host, against the platform the extension runs
 * on the test home: scaling and restarting from the tree's commands, stopping a dyno, the
 * restart countdown on a crashed dyno, maintenance mode, the log panel (a webview view)
 * receiving and drawing lines, filtered by dyno, the config diff editor between two releases,
 * and the slug size: the status bar entry (exact, updated on a file change with only the
 * changed chunk compressed again) and the warning's "Add to .slugignore".
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { Dyno, Formation } from '../../../platform/api/schemas';
import { predictSlugSize } from '../../../platform/shared/slug-estimate';
import type { DeployOutcome } from '../../../extension/actions/deploy';
import type { SlugAnalysis } from '../../../extension/actions/slug-size';
import type { SlipwayApi } from '../../../extension/api';
import type { SlipwayInspect } from '../../../extension/api';
import type { LogPanelState } from '../../../extension/logs/log-view';
import type { TreeNode } from '../../../extension/views/nodes';
import { facts } from './facts';
import { until } from './until';

const EXTENSION_ID = 'slipway.slipway';
const APP = 'ops-app';
const CRASHY = 'ops-crashy';

function label(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

describe('Slipway operations: dynos, the log panel, config diff and slug size', function () {
  let ctx: SlipwayInspect;
  let scratch: string;
  let fixture: string;

  async function children(node?: TreeNode): Promise<{ node: TreeNode; item: vscode.TreeItem }[]> {
    return (await ctx.tree.getChildren(node)).map((n) => ({ node: n, item: ctx.tree.getTreeItem(n) }));
  }

  async function child(parent: TreeNode | undefined, text: string): Promise<{ node: TreeNode; item: vscode.TreeItem }> {
    const all = await children(parent);
    const found = all.find((c) => label(c.item) === text);
    assert.ok(found, `no tree item "${text}" among ${JSON.stringify(all.map((c) => label(c.item)))}`);
    return found;
  }

  /** The rows of an app's Dynos node: "web.1 dyno.up up · v1". */
  async function dynoRows(app: string): Promise<string[]> {
    const dynos = await child((await child(undefined, app)).node, 'Dynos');
    return (await children(dynos.node)).map((r) => `${label(r.item)} ${r.item.contextValue ?? ''} ${String(r.item.description ?? '')}`);
  }

  async function panel(): Promise<LogPanelState> {
    return ctx.logPanelState();
  }

  before(async function () {
    this.timeout(120000);
    const ext = vscode.extensions.getExtension<SlipwayApi>(EXTENSION_ID);
    assert.ok(ext);
    ctx = (await ext.activate()).inspect;
    scratch = mkdtempSync(join(tmpdir(), 'slipway-ops-'));
    fixture = join(scratch, 'node-web-worker');
    cpSync(join(ext.extensionPath, 'test', 'fixtures', 'apps', 'node-web-worker'), fixture, { recursive: true });
    const client = await ctx.client({ start: true });
    for (const a of await client.apps()) if (a.name === APP || a.name === CRASHY) await client.destroyApp(a.name);
    await client.createApp(APP);
    const outcome = await vscode.commands.executeCommand<DeployOutcome | undefined>('slipway.deploy', { folder: fixture, app: APP });
    assert.equal(outcome?.release?.version, 1, outcome?.error);
  });

  after(async function () {
    const client = await ctx.client({ start: false }).catch(() => null);
    for (const a of [APP, CRASHY]) await client?.destroyApp(a).catch(() => undefined);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('scales web=2 with slipway.ps.scale: the tree shows two web dynos up', async function () {
    const formation = await vscode.commands.executeCommand<Formation | undefined>('slipway.ps.scale', { app: APP, changes: 'web=2' });
    assert.deepEqual(formation, { web: 2, worker: 0 });
    const rows = await until(async () => {
      const r = await dynoRows(APP);
      return r.length === 2 && r.every((x) => / dyno\.up up · v1/.test(x)) ? r : undefined;
    }, 'web.1 and web.2 up in the Dynos node');
    assert.deepEqual(rows.map((r) => r.split(' ')[0]), ['web.1', 'web.2']);
    const formationNode = await child((await child(undefined, APP)).node, 'Formation');
    assert.equal(formationNode.item.description, 'web=2 worker=0');
  });

  it('scales a process type from its Formation row (worker +1), as the tree passes it', async function () {
    const formationNode = await child((await child(undefined, APP)).node, 'Formation');
    const worker = await child(formationNode.node, 'worker');
    assert.equal(worker.item.contextValue, 'processType');
    const formation = await vscode.commands.executeCommand<Formation | undefined>('slipway.ps.scale', { app: APP, type: 'worker', count: 1 });
    assert.deepEqual(formation, { web: 2, worker: 1 });
    await until(async () => ((await dynoRows(APP)).some((r) => /^worker\.1 dyno\.up/.test(r)) ? true : undefined), 'worker.1 up');
  });

  it('refuses an unknown process type with the platform\'s message', async function () {
    const formation = await vscode.commands.executeCommand<Formation | undefined>('slipway.ps.scale', { app: APP, changes: 'clock=1' });
    assert.equal(formation, undefined, 'the command shows the error and resolves to undefined');
    assert.deepEqual(await (await ctx.client()).formation(APP), { web: 2, worker: 1 });
  });

  it('restarts one dyno from its tree node with slipway.ps.restart', async function () {
    const dynosNode = await child((await child(undefined, APP)).node, 'Dynos');
    const web1 = await child(dynosNode.node, 'web.1');
    assert.equal(web1.item.contextValue, 'dyno.up');
    const before = (await (await ctx.client()).dynos(APP)).find((d) => d.name === 'web.1');
    assert.ok(before);
    const restarted = await vscode.commands.executeCommand<Dyno[] | undefined>('slipway.ps.restart', web1.node);
    assert.deepEqual(restarted?.map((d) => d.name), ['web.1']);
    const after = await until(async () => {
      const d = (await (await ctx.client()).dynos(APP)).find((x) => x.name === 'web.1');
      return d && d.state === 'up' && d.since !== before.since ? d : undefined;
    }, 'web.1 up again after the restart');
    assert.notEqual(after.pid, before.pid, 'a new process');
  });

  it('restarts a whole process type ({ app, type })', async function () {
    const restarted = await vscode.commands.executeCommand<Dyno[] | undefined>('slipway.ps.restart', { app: APP, type: 'web' });
    assert.deepEqual(restarted?.map((d) => d.name).sort(), ['web.1', 'web.2']);
  });

  it('shows live log lines in the log panel (a webview view), batched, in a bounded DOM', async function () {
    const shown = await vscode.commands.executeCommand('slipway.logs.show', { app: APP });
    assert.deepEqual(shown, { app: APP, dyno: '' });
    const state = await until(async () => {
      const s = await panel();
      return s.webview && s.webview.kept > 0 && s.webview.rendered > 0 && s.webview.dynos.includes('worker.1') ? s : undefined;
    }, 'lines drawn in the log panel, the worker among them');
    assert.equal(state.app, APP);
    assert.equal(state.visible, true);
    assert.ok(state.tail && state.tail.batches > 0 && state.tail.batches < state.tail.received + 1);
    const w = state.webview!;
    assert.ok(w.domRows < 200, `the DOM holds ${w.domRows} rows: only those in sight`);
    assert.equal(w.follow, true);
    // the worker ticks once a second: a later probe sees more lines (live, not just history)
    const more = await until(async () => {
      const s = await panel();
      return s.webview && s.webview.received > w.received && /tick \d+/.test(s.webview.lastRow ?? '') ? s : undefined;
    }, 'a live worker tick drawn as the last row');
    facts().logPanel = { received: more.webview!.received, batches: more.tail?.batches, domRows: more.webview!.domRows, lastRow: more.webview!.lastRow };
  });

  it('filters the panel to one process type with slipway.logs.show { app, type }', async function () {
    await vscode.commands.executeCommand('slipway.logs.show', { app: APP, type: 'worker' });
    const s = await until(async () => {
      const p = await panel();
      return p.webview?.filter.dyno === 'worker' && p.webview.rendered > 0 ? p : undefined;
    }, 'the worker filter applied');
    assert.ok(s.webview!.matching < s.webview!.kept, `${s.webview!.matching} of ${s.webview!.kept} lines match`);
    assert.match(s.webview!.lastRow ?? '', /^app\[worker\.1\] /);
    await vscode.commands.executeCommand('slipway.logs.show', { app: APP });
  });

  it('stops tailing while the panel is hidden, and loads the history again when shown', async function () {
    await vscode.commands.executeCommand('workbench.action.closePanel');
    const hidden = await until(async () => {
      const p = await panel();
      return !p.visible && p.tail === null ? p : undefined;
    }, 'the tail stopped with the panel hidden', 10000);
    assert.equal(hidden.webview, null);
    await vscode.commands.executeCommand('slipway.logs.show', { app: APP });
    await until(async () => {
      const p = await panel();
      return p.visible && p.tail && p.webview && p.webview.kept > 0 ? p : undefined;
    }, 'lines in the panel again');
  });

  it('stops a dyno with slipway.ps.stop: a formation dyno starts again', async function () {
    const before = (await (await ctx.client()).dynos(APP)).find((d) => d.name === 'worker.1');
    assert.ok(before);
    await vscode.commands.executeCommand('slipway.ps.stop', { app: APP, dyno: 'worker.1' });
    await until(async () => {
      const d = (await (await ctx.client()).dynos(APP)).find((x) => x.name === 'worker.1');
      return d && d.state === 'up' && d.pid !== before.pid ? d : undefined;
    }, 'worker.1 running again with a new process');
  });

  it('turns maintenance mode on and off', async function () {
    assert.equal(await vscode.commands.executeCommand('slipway.maintenance.on', { app: APP }), true);
    assert.deepEqual(await (await ctx.client()).maintenance(APP), { maintenance: true });
    assert.equal(await vscode.commands.executeCommand('slipway.maintenance.off', { app: APP }), false);
    assert.deepEqual(await (await ctx.client()).maintenance(APP), { maintenance: false });
  });

  it('opens a diff editor of a release\'s config against the current one (slipway-config documents)', async function () {
    await vscode.commands.executeCommand('slipway.config.set', { app: APP, key: 'GREETING', value: 'hello' }); // v2
    await vscode.commands.executeCommand('slipway.config.set', { app: APP, key: 'COLOR', value: 'blue' }); // v3
    const result = await vscode.commands.executeCommand<{ left: string; right: string; title: string } | undefined>('slipway.releases.diff', { app: APP, version: 2 });
    assert.ok(result);
    assert.equal(result.left, `slipway-config:/${APP}/v2.env`);
    assert.equal(result.right, `slipway-config:/${APP}/v3.env`);
    assert.equal(result.title, `${APP} config: v2 ↔ v3 (current)`);
    const tab = await until(() => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputTextDiff ? input : undefined;
    }, 'the diff editor to be the active tab', 10000);
    assert.equal(tab.original.toString(), result.left);
    assert.equal(tab.modified.toString(), result.right);
    assert.equal((await vscode.workspace.openTextDocument(tab.original)).getText(), 'GREETING=hello\n');
    assert.equal((await vscode.workspace.openTextDocument(tab.modified)).getText(), 'COLOR=blue\nGREETING=hello\n');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('counts down to the restart of a crashed dyno ("crashed · restart in Ns"), with one timer that stops when none is crashed', async function () {
    this.timeout(90000);
    const crashy = join(scratch, 'crash-loop');
    cpSync(join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'fixtures', 'apps', 'crash-loop'), crashy, { recursive: true });
    await (await ctx.client()).createApp(CRASHY);
    const outcome = await vscode.commands.executeCommand<DeployOutcome | undefined>('slipway.deploy', { folder: crashy, app: CRASHY });
    assert.equal(outcome?.release?.version, 1, outcome?.error);
    // the countdown runs only while the Apps view is visible
    await vscode.commands.executeCommand('workbench.view.extension.slipway');
    await until(() => (ctx.treeView.visible ? true : undefined), 'the Slipway view visible', 10000);
    const row = await until(async () => (await dynoRows(CRASHY)).find((r) => /^web\.1 dyno\.crashed crashed · restart in \d+s/.test(r)), 'web.1 crashed with a countdown');
    assert.ok(ctx.tree.countdown.running, 'the countdown timer runs');
    const first = Number(/restart in (\d+)s/.exec(row)![1]);
    // the timer redraws the crashed row: its text counts down without any platform event
    const redrawn = await until(
      () =>
        new Promise<string | undefined>((resolve) => {
          const timer = setTimeout(() => {
            sub.dispose();
            resolve(undefined);
          }, 3000);
          const sub = ctx.tree.onDidChangeTreeData((changed) => {
            if (!changed || changed.kind !== 'dyno' || changed.app !== CRASHY) return;
            const text = String(ctx.tree.getTreeItem(changed).description ?? '');
            const left = /restart in (\d+)s/.exec(text);
            if (!left || Number(left[1]) >= first) return;
            clearTimeout(timer);
            sub.dispose();
            resolve(text);
          });
        }),
      'the crashed row redrawn with less time left',
      15000,
      0,
    );
    assert.match(redrawn, /^crashed · restart in \d+s · v1/);
    await vscode.commands.executeCommand('slipway.ps.scale', { app: CRASHY, changes: 'web=0' });
    await until(async () => ((await dynoRows(CRASHY)).some((r) => r.startsWith('web.1')) ? undefined : true), 'web.1 gone after scaling to 0');
    await until(() => (ctx.tree.countdown.running ? undefined : true), 'the countdown timer stopped', 5000);
  });

  describe('slug size', function () {
    let workspace: string;
    const created: string[] = [];

    before(function () {
      workspace = vscode.workspace.workspaceFolders![0].uri.fsPath;
    });

    after(async function () {
      for (const f of created) rmSync(join(workspace, f), { force: true });
      await vscode.workspace.getConfiguration('slipway').update('slug.softLimitMiB', undefined, vscode.ConfigurationTarget.Workspace);
    });

    const write = (name: string, data: string | Buffer) => {
      writeFileSync(join(workspace, name), data);
      if (!created.includes(name)) created.push(name);
    };

    it('shows the workspace folder\'s predicted slug size in the status bar, exact, and updates it when a file changes', async function () {
      this.timeout(60000);
      assert.equal(ctx.slugStatus.folderShown, null, 'the test workspace is not an app yet');
      write('Procfile', 'web: node server.js\n');
      write('server.js', "require('node:http').createServer((q, r) => r.end('ok')).listen(process.env.PORT);\n");
      write('data.txt', 'some text that compresses well\n'.repeat(20000));
      await until(() => (ctx.slugStatus.folderShown === workspace ? true : undefined), 'the status bar to follow the workspace once it has a Procfile', 10000);
      const first = await until(async () => {
        const e = await ctx.slugStatus.settled();
        return e && e.files >= 4 ? e : undefined;
      }, 'a first estimate');
      const exact = await predictSlugSize(workspace);
      assert.equal(first.bytes, exact.bytes, 'the same bytes as slipway slug:size');
      const { formatSize } = await import('../../../platform/shared/size');
      assert.equal(ctx.slugStatus.text, `$(package) ${formatSize(exact.bytes)}`);
      // a change: about 64 KiB of random bytes (incompressible) makes it grow, and only that chunk is compressed again
      write('noise.bin', randomBytes(64 * 1024));
      const second = await until(async () => {
        const e = await ctx.slugStatus.settled();
        return e && e.bytes > first.bytes + 60 * 1024 ? e : undefined;
      }, 'the estimate after adding noise.bin');
      assert.equal(second.bytes, (await predictSlugSize(workspace)).bytes);
      assert.ok(second.compressed <= 2, `${second.compressed} of ${second.chunks} chunks compressed again`);
      assert.equal(ctx.slugStatus.text, `$(package) ${formatSize(second.bytes)}`);
      facts().slugStatus = { text: ctx.slugStatus.text, bytes: second.bytes, chunks: second.chunks, recompressed: second.compressed, ms: second.ms, runs: ctx.slugStatus.runs, cancelled: ctx.slugStatus.cancelled };
    });

    it('warns at the soft limit naming the largest contributors; "Add to .slugignore" appends the path and analyses again', async function () {
      this.timeout(60000);
      await vscode.workspace.getConfiguration('slipway').update('slug.softLimitMiB', 1, vscode.ConfigurationTarget.Workspace);
      write('big.bin', randomBytes(1536 * 1024));
      const analysis = await vscode.commands.executeCommand<SlugAnalysis | undefined>('slipway.slug.analyze', { folder: workspace });
      assert.equal(analysis?.level, 'soft');
      assert.equal(analysis.top[0].path, 'big.bin');
      const after = await vscode.commands.executeCommand<SlugAnalysis | undefined>('slipway.slug.ignore', { folder: workspace, paths: ['big.bin'], show: false });
      created.push('.slugignore');
      assert.equal(after?.level, 'ok');
      assert.ok(after.bytes < analysis.bytes - 1024 * 1024);
      assert.ok(!after.top.some((t) => t.path === 'big.bin'));
      assert.equal(readFileSync(join(workspace, '.slugignore'), 'utf8'), '/big.bin\n');
      assert.ok(existsSync(join(workspace, 'big.bin')), 'the file itself stays');
    });
  });
});
