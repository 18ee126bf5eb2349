/**
 * The extension inside a real extension host (code-server here, VS Code desktop through
 * @vscode/test-electron): activation, the command table, the platform it starts on a temporary
 * $SLIPWAY_HOME, a real deploy of the node-web-worker fixture through `slipway.deploy`, the
 * Apps tree's contents, config vars, a rollback through `slipway.releases.rollback`, a failed
 * deploy, crash restart, attach-without-owning, destroy, stop and start.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { ConfigPatchResult, Release, RollbackResult } from '../../../platform/api/schemas';
import { pidAlive, readPlatformFile } from '../../../platform/discovery/platform-file';
import type { DeployOutcome } from '../../../extension/actions/deploy';
import type { SlugAnalysis } from '../../../extension/actions/slug-size';
import { planRollback } from '../../../extension/actions/releases';
import type { SlipwayApi } from '../../../extension/api';
import type { SlipwayInspect } from '../../../extension/api';
import { PlatformProcess, type PlatformState } from '../../../extension/platform-process';
import type { TreeNode } from '../../../extension/views/nodes';
import { makeTestHome, TEST_HOME_MARKER } from '../workspace';
import { facts } from './facts';

const EXTENSION_ID = 'slipway.slipway';
const APP = 'suite-app';

function label(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
}

/** Resolves when the platform reaches `want` (an event, not a poll). */
function waitForState(ctx: SlipwayInspect, want: (s: PlatformState) => boolean, timeoutMs = 30000): Promise<PlatformState> {
  if (want(ctx.platform.state)) return Promise.resolve(ctx.platform.state);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`platform state is still ${ctx.platform.state} after ${timeoutMs} ms (${ctx.platform.lastError ?? 'no error'})`));
    }, timeoutMs);
    const sub = ctx.platform.onDidChangeState((s) => {
      if (!want(s)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(s);
    });
  });
}

/** Resolves once `check` holds, re-checking on each change of the tree (driven by platform events). */
async function waitForTree(ctx: SlipwayInspect, check: () => Promise<boolean>, what: string, timeoutMs = 30000): Promise<void> {
  if (await check()) return;
  await new Promise<void>((resolve, reject) => {
    let busy = false;
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`));
    }, timeoutMs);
    const sub = ctx.tree.onDidChangeTreeData(() => {
      if (busy) return;
      busy = true;
      check().then(
        (ok) => {
          busy = false;
          if (!ok) return;
          clearTimeout(timer);
          sub.dispose();
          resolve();
        },
        (err: unknown) => {
          clearTimeout(timer);
          sub.dispose();
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  });
}

describe('Slipway in a real extension host', function () {
  let api: SlipwayApi;
  let ctx: SlipwayInspect;
  let scratch: string;
  let fixture: string;
  let v1: Release;

  async function children(node?: TreeNode): Promise<{ node: TreeNode; item: vscode.TreeItem }[]> {
    const nodes = await ctx.tree.getChildren(node);
    return nodes.map((n) => ({ node: n, item: ctx.tree.getTreeItem(n) }));
  }

  async function child(parent: TreeNode | undefined, text: string): Promise<{ node: TreeNode; item: vscode.TreeItem }> {
    const all = await children(parent);
    const found = all.find((c) => label(c.item) === text);
    assert.ok(found, `no tree item "${text}" among ${JSON.stringify(all.map((c) => label(c.item)))}`);
    return found;
  }

  /** The release rows of the app: label → contextValue, description. */
  async function releaseRows(app = APP): Promise<{ label: string; context: string; description: string }[]> {
    const appNode = await child(undefined, app);
    const releases = await child(appNode.node, 'Releases');
    return (await children(releases.node)).map((c) => ({ label: label(c.item), context: c.item.contextValue ?? '', description: String(c.item.description ?? '') }));
  }

  before(async function () {
    const ext = vscode.extensions.getExtension<SlipwayApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
    // Before anything starts a platform: the workspace must point slipway.home at a test home.
    const home = vscode.workspace.getConfiguration('slipway').get<string>('home', '');
    if (!home || !existsSync(join(home, TEST_HOME_MARKER))) {
      throw new Error(`refusing to run: slipway.home "${home}" is not a test home (open a workspace made by test/extension/workspace.ts)`);
    }
    api = await ext.activate();
    ctx = api.inspect;
    scratch = mkdtempSync(join(tmpdir(), 'slipway-suite-'));
    fixture = join(scratch, 'node-web-worker');
    cpSync(join(ext.extensionPath, 'test', 'fixtures', 'apps', 'node-web-worker'), fixture, { recursive: true });
  });

  after(function () {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('runs against a temporary home, never a real ~/.slipway', function () {
    assert.ok(existsSync(join(ctx.platform.home, TEST_HOME_MARKER)), `${ctx.platform.home} is not a test home (the workspace sets slipway.home)`);
    assert.equal(vscode.workspace.getConfiguration('slipway').get('home'), ctx.platform.home);
  });

  it('activates in at most 50 ms', function () {
    facts().activationMs = Number(api.activationMs.toFixed(2));
    facts().activation = ctx.activationDetail;
    facts().vscodeVersion = vscode.version;
    assert.ok(api.activationMs <= 50, `activate took ${api.activationMs.toFixed(1)} ms`);
  });

  it('registers every contributed command, each in the category "Slipway"', async function () {
    const contributed = (vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { contributes: { commands: { command: string; category: string }[] } }).contributes.commands;
    const registered = new Set((await vscode.commands.getCommands(true)).filter((c) => c.startsWith('slipway.')));
    for (const c of contributed) {
      assert.ok(registered.has(c.command), `${c.command} is contributed but not registered`);
      assert.equal(c.category, 'Slipway', `${c.command} has category ${c.category}`);
    }
    // the command table and package.json name the same commands
    assert.deepEqual([...api.commands].sort(), contributed.map((c) => c.command).sort());
    for (const id of ['slipway.deploy', 'slipway.releases.rollback', 'slipway.apps.create', 'slipway.apps.destroy', 'slipway.config.set', 'slipway.config.unset', 'slipway.config.reveal', 'slipway.platform.start', 'slipway.platform.stop', 'slipway.refresh', 'slipway.apps.open', 'slipway.slug.analyze']) {
      assert.ok(registered.has(id), `${id} is registered`);
    }
  });

  it('starts the bundled platform on the temporary home, with free ports, and owns it', async function () {
    const t0 = performance.now();
    await waitForState(ctx, (s) => s === 'running');
    facts().platformReadyAfterActivateMs = Math.round(performance.now() - t0);
    const info = ctx.platform.info;
    assert.ok(info);
    assert.equal(ctx.platform.owned, true, 'this window started it');
    const file = readPlatformFile(join(ctx.platform.home, 'platform.json'));
    assert.equal(file?.pid, info.pid, 'platform.json names the process this window started');
    assert.notEqual(new URL(info.url).port, '5101', 'settings.json in the test home asks for a free port');
    assert.equal((await (await ctx.client()).status()).home, ctx.platform.home);
  });

  it('shows an app created through the client in the Apps tree, refreshed by the platform\'s event stream', async function () {
    await waitForTree(ctx, () => Promise.resolve(ctx.events?.connected === true), 'the event stream to connect', 10000).catch(() => undefined);
    assert.equal(ctx.events?.connected, true, 'subscribed to GET /events');
    const created = await (await ctx.client()).createApp(APP);
    assert.equal(created.currentRelease, null);
    // No refresh from here: the platform's "apps" event must refresh the tree.
    await waitForTree(ctx, async () => (await children()).some((c) => label(c.item) === APP), `${APP} in the tree`, 10000);
    assert.ok((ctx.events?.received ?? 0) > 0);
    const app = await child(undefined, APP);
    assert.equal(app.item.contextValue, 'app');
    assert.equal(app.item.description, 'not deployed');
    const groups = (await children(app.node)).map((c) => label(c.item));
    assert.deepEqual(groups, ['Releases', 'Dynos', 'Config Vars', 'Formation']);
    const releases = await child(app.node, 'Releases');
    assert.deepEqual((await children(releases.node)).map((c) => label(c.item)), ['No releases yet: deploy the app']);
  });

  it('deploys the node-web-worker fixture with slipway.deploy: v1, current, in the tree', async function () {
    const outcome = await vscode.commands.executeCommand<DeployOutcome | undefined>('slipway.deploy', { folder: fixture, app: APP });
    assert.ok(outcome, 'the deploy command resolved to an outcome');
    assert.equal(outcome.error, undefined, `deploy failed: ${outcome.error}`);
    assert.ok(outcome.release);
    v1 = outcome.release;
    assert.equal(v1.version, 1);
    assert.equal(v1.current, true);
    assert.equal(v1.status, 'succeeded');
    assert.match(v1.description, /^Deploy [0-9a-f]{7}$/);
    assert.equal(ctx.appForFolder(fixture), APP, 'the app is remembered for the folder');

    const rows = await releaseRows();
    assert.deepEqual(rows.map((r) => [r.label, r.context]), [['v1', 'release.current']]);
    assert.ok(rows[0].description.startsWith(`${v1.description} · `), rows[0].description);
    const app = await child(undefined, APP);
    assert.equal(app.item.description, 'v1');
  });

  it('shows the formation from the first deploy (web=1, worker=0) and the web dyno it started', async function () {
    const app = await child(undefined, APP);
    const formation = await child(app.node, 'Formation');
    assert.equal(formation.item.description, 'web=1 worker=0');
    const types = (await children(formation.node)).map((c) => `${label(c.item)}=${String(c.item.description)}`).sort();
    assert.deepEqual(types, ['web=1', 'worker=0']);
    let state = '';
    await waitForTree(
      ctx,
      async () => {
        const dynos = await child((await child(undefined, APP)).node, 'Dynos');
        const rows = await children(dynos.node);
        state = rows.map((r) => `${label(r.item)} ${r.item.contextValue ?? ''} ${String(r.item.description ?? '')}`).join('; ');
        return rows.length === 1 && label(rows[0].item) === 'web.1' && rows[0].item.contextValue === 'dyno.up';
      },
      'web.1 up in the Dynos node',
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the Dynos node shows: ${state}`);
    });
    assert.match(state, /^web\.1 dyno\.up up · v1/);
  });

  it('sets a config var with slipway.config.set (v2) and hides its value until revealed', async function () {
    const result = await vscode.commands.executeCommand<ConfigPatchResult | undefined>('slipway.config.set', { app: APP, key: 'GREETING', value: 'hello from the suite' });
    assert.equal(result?.release?.version, 2);
    assert.equal(result.release.description, 'Set GREETING config vars');
    const rows = await releaseRows();
    assert.deepEqual(rows.map((r) => [r.label, r.context]), [['v2', 'release.current'], ['v1', 'release']]);

    const app = await child(undefined, APP);
    const config = await child(app.node, 'Config Vars');
    let greeting = await child(config.node, 'GREETING');
    assert.equal(greeting.item.description, '••••');
    assert.equal(greeting.item.contextValue, 'configVar');
    await vscode.commands.executeCommand('slipway.config.reveal', greeting.node);
    greeting = await child(config.node, 'GREETING');
    assert.equal(greeting.item.description, 'hello from the suite');
    assert.equal(greeting.item.contextValue, 'configVar.revealed');
    await vscode.commands.executeCommand('slipway.config.hide', greeting.node);
    assert.equal((await child(config.node, 'GREETING')).item.description, '••••');
  });

  it('says what a rollback restores: description, slug and the config keys that differ', async function () {
    const plan = await planRollback(await ctx.client(), APP, 1);
    assert.equal(plan.message, `Roll back ${APP} to v1? This creates v3.`);
    assert.ok(plan.detail.includes(`v1 "${v1.description}"`), plan.detail);
    assert.ok(plan.detail.includes(v1.slug.id.slice(0, 12)), plan.detail);
    assert.ok(plan.detail.includes('the same code as the current v2'), plan.detail);
    assert.deepEqual(plan.removed, ['GREETING']);
    assert.ok(plan.detail.includes('Config vars removed: GREETING.'), plan.detail);
    assert.ok(plan.detail.includes('Undo: roll back to v2.'), plan.detail);
  });

  it('rolls back to v1 with slipway.releases.rollback: v3 "Rollback to v1" is current', async function () {
    const app = await child(undefined, APP);
    const releases = await child(app.node, 'Releases');
    const v1Node = (await children(releases.node)).find((c) => label(c.item) === 'v1');
    assert.ok(v1Node);
    assert.equal(v1Node.item.contextValue, 'release');
    const result = await vscode.commands.executeCommand<RollbackResult | undefined>('slipway.releases.rollback', { app: APP, version: 1, skipConfirmation: true });
    assert.ok(result, 'the rollback command resolved to its result');
    assert.equal(result.release.version, 3);
    assert.equal(result.release.description, 'Rollback to v1');
    assert.equal(result.release.slug.id, v1.slug.id);
    assert.deepEqual(result.configChanges.removed, ['GREETING']);
    const rows = await releaseRows();
    assert.deepEqual(rows.map((r) => [r.label, r.context]), [['v3', 'release.current'], ['v2', 'release'], ['v1', 'release']]);
    assert.ok(rows[0].description.startsWith('Rollback to v1 · '), rows[0].description);
    const config = await child((await child(undefined, APP)).node, 'Config Vars');
    assert.deepEqual((await children(config.node)).map((c) => label(c.item)), ['No config vars']);
  });

  it('predicts the slug size of a folder with slipway.slug.analyze (the .slugignore applies)', async function () {
    const analysis = await vscode.commands.executeCommand<SlugAnalysis | undefined>('slipway.slug.analyze', { folder: fixture });
    assert.ok(analysis, 'the command resolved to its analysis');
    assert.ok(analysis.bytes > 0 && analysis.bytes < 1024 * 1024, `${analysis.bytes} bytes`);
    assert.equal(analysis.class, 'small');
    assert.equal(analysis.level, 'ok');
    assert.ok(analysis.top.length > 0);
    assert.ok(!analysis.top.some((t) => t.path === 'design.psd'), `.slugignore drops design.psd: ${JSON.stringify(analysis.top)}`);
  });

  it('reports a failed deploy with the platform message, naming the Procfile line; no release is made', async function () {
    const broken = join(scratch, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'Procfile'), '# the second line has no colon\nweb node server.js\n');
    const outcome = await vscode.commands.executeCommand<DeployOutcome | undefined>('slipway.deploy', { folder: broken, app: APP });
    assert.ok(outcome?.error, 'the outcome carries the error');
    assert.equal(outcome.release, undefined);
    assert.match(outcome.error, /Procfile:2\b/);
    assert.deepEqual((await releaseRows()).map((r) => r.label), ['v3', 'v2', 'v1']);
  });

  it('restarts the platform it owns when it dies', async function () {
    const before = ctx.platform.info;
    assert.ok(before && ctx.platform.owned);
    const restarted = waitForState(ctx, (s) => s === 'running' && ctx.platform.info?.pid !== before.pid, 40000);
    const t0 = performance.now();
    process.kill(before.pid, 'SIGKILL');
    await restarted;
    facts().crashRestartMs = Math.round(performance.now() - t0);
    assert.equal(ctx.platform.owned, true);
    assert.notEqual(ctx.platform.info?.pid, before.pid);
    // state survives: the app and its releases are still there
    assert.deepEqual((await releaseRows()).map((r) => r.label), ['v3', 'v2', 'v1']);
  });

  it('attaches to a platform it did not start, and leaves it running when disposed', async function () {
    const info = ctx.platform.info;
    assert.ok(info);
    const lines: string[] = [];
    const other = new PlatformProcess({ script: '/nonexistent/platform.js', settings: { home: ctx.platform.home, autoStart: false, apiPort: null, routerPort: null }, log: (l) => lines.push(l) });
    other.init();
    assert.equal(other.state, 'running');
    assert.equal(other.info?.pid, info.pid);
    assert.equal(other.owned, false);
    await other.dispose();
    assert.ok(pidAlive(info.pid), 'the platform still runs after an attached window goes away');
  });

  it('stops a platform it started when it is disposed (deactivate), and only then', async function () {
    const home2 = join(scratch, 'home2');
    makeTestHome(home2);
    const script = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath + '/dist/platform.js';
    const own = new PlatformProcess({ script, settings: { home: home2, autoStart: true, apiPort: null, routerPort: null }, log: () => undefined });
    own.init();
    assert.equal(own.state, 'stopped');
    const info = await own.start();
    assert.equal(own.owned, true);
    assert.ok(pidAlive(info.pid));
    await own.dispose();
    assert.ok(!pidAlive(info.pid), 'the platform this window started is stopped on deactivate');
    assert.equal(readPlatformFile(join(home2, 'platform.json')), null);
  });

  it('destroys the app only when its name is typed', async function () {
    assert.equal(await vscode.commands.executeCommand('slipway.apps.destroy', { app: APP, confirm: 'wrong-name' }), false);
    assert.ok(await child(undefined, APP));
    assert.equal(await vscode.commands.executeCommand('slipway.apps.destroy', { app: APP, confirm: APP }), true);
    const names = (await children()).map((c) => label(c.item));
    assert.ok(!names.includes(APP), JSON.stringify(names));
  });

  it('stops and starts the platform with the commands; the tree empties while it is stopped', async function () {
    const pid = ctx.platform.info?.pid;
    assert.ok(pid);
    assert.equal(await vscode.commands.executeCommand('slipway.platform.stop'), true);
    assert.equal(ctx.platform.state, 'stopped');
    assert.ok(!pidAlive(pid), 'the platform process is gone');
    assert.equal(readPlatformFile(join(ctx.platform.home, 'platform.json')), null, 'platform.json is removed');
    assert.deepEqual(await ctx.tree.getChildren(), [], 'no apps while stopped (the view shows "Start Platform")');
    await vscode.commands.executeCommand('slipway.platform.start');
    assert.equal(ctx.platform.state, 'running');
    assert.equal(ctx.platform.owned, true);
  });
});
