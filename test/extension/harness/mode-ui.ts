/**
 * Mode `ui`: a new user's first deploy, through Chromium. The packaged .vsix is installed into
 * a fresh code-server; a copy of the node-web-worker fixture is the workspace; the app "demo"
 * exists already (created with the CLI, which starts the platform: the extension attaches to
 * it). Then: open the Slipway view, "Slipway: Deploy…" from the palette, pick "demo", see the
 * progress and "Released v1", see v1 in the release tree, set a config var from the app's
 * context menu (v2), roll back to v1 from its context menu (the confirmation says what it
 * restores), and see v3 "Rollback to v1" current; then open the log panel from the app's context
 * menu and see its lines, and scale from the Formation node (web=2 worker=1) and see the new
 * dynos in the tree and the worker's lines in the panel. Screenshots at each step.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, Locator, Page } from 'playwright-core';
import { makeTestHome } from '../workspace';
import { REPO } from './build-suite';
import { codeServerEnv, installVsix, makeRunDirs, startCodeServer, writeUserSettings } from './code-server';
import { stopLeftoverPlatform, type ModeOptions, type ModeSummary } from './mode';
import { answerInput, contextMenu, expandRow, launchWorkbench, openWorkbench, quickPick, runCommand, toast, treeRow } from './workbench';

const APP = 'demo';

export function cli(home: string, args: string[]): string {
  const r = spawnSync(process.execPath, [join(REPO, 'dist', 'cli.js'), ...args], { env: { ...process.env, SLIPWAY_HOME: home }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`slipway ${args.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** The "Slipway" output channel as the workbench logged it (user-data/logs/…/N-Slipway.log). */
function slipwayChannelLog(userData: string): string {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/-Slipway\.log$/.test(name)) found.push(p);
    }
  };
  try {
    walk(join(userData, 'logs'));
  } catch {
    return '';
  }
  return found.map((f) => readFileSync(f, 'utf8')).join('\n');
}

export async function runUiMode(opts: ModeOptions): Promise<ModeSummary> {
  if (!opts.vsix) throw new Error('ui mode needs the packaged .vsix');
  const t0 = Date.now();
  const home = join(opts.runRoot, 'home');
  makeTestHome(home);
  const folder = join(opts.runRoot, 'node-web-worker');
  cpSync(join(REPO, 'test', 'fixtures', 'apps', 'node-web-worker'), folder, { recursive: true });
  const dirs = makeRunDirs(join(opts.runRoot, 'vscode'));
  writeUserSettings(dirs, { 'slipway.home': home });
  const shots: Record<string, string> = {};
  const summary: ModeSummary = { mode: 'ui', ok: false, marks: {}, screenshots: [], shots };
  summary.installed = installVsix(opts.codeServer, dirs, opts.vsix);
  cli(home, ['apps:create', APP]);

  const cs = await startCodeServer({ entry: opts.codeServer, dirs, folder, env: codeServerEnv(dirs), log: join(opts.out, 'ui-code-server.log') });
  const wb = await launchWorkbench(dirs);
  const page = wb.page;
  const mark = (name: string) => (summary.marks[name] = Date.now() - cs.spawnedAt);
  const shot = async (name: string, what: string) => {
    const path = join(opts.out, `ui-${name}.png`);
    await page.screenshot({ path });
    summary.screenshots.push(path);
    shots[path] = what;
  };
  try {
    await openWorkbench(page, `${cs.base}?folder=${encodeURIComponent(folder)}`);
    mark('workbenchVisibleMs');

    // The Procfile in the workspace activates the extension; it attaches to the CLI's platform.
    const icon = page.locator('.part.activitybar .action-item .action-label[aria-label^="Slipway"]');
    await icon.waitFor({ timeout: 60000 });
    const status = page.locator('.part.statusbar .statusbar-item[aria-label="Slipway platform running"]');
    await status.waitFor({ timeout: 60000 });
    mark('platformRunningInStatusBarMs');
    await shot('01-workbench', 'the workbench with the node-web-worker copy open, the Slipway icon in the activity bar and "Slipway" (running) in the status bar');

    await icon.click();
    await treeRow(page, APP).waitFor({ timeout: 30000 });
    mark('appsTreeMs');
    await shot('02-apps-view', 'the Slipway view: the app "demo" (created with the CLI), not deployed yet');

    await runCommand(page, 'Slipway: Deploy…');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Create new app' }).waitFor({ timeout: 15000 });
    await shot('03-deploy-pick-app', 'Slipway: Deploy… asks for the app: "demo" and "Create new app…"');
    await quickPick(page, APP);
    const progress = page.locator('.notifications-toasts .notification-list-item', { hasText: 'Slipway: deploying node-web-worker to demo' });
    await progress
      .first()
      .waitFor({ timeout: 10000 })
      .then(() => shot('04-deploy-progress', 'the progress notification streaming the build output'))
      .catch(() => undefined); // a fast build may finish before the toast is seen
    await toast(page, 'Released v1 to demo').waitFor({ timeout: 120000 });
    mark('releasedV1Ms');

    await expandRow(page, APP);
    await expandRow(page, 'Releases');
    const v1 = treeRow(page, 'v1');
    await v1.waitFor({ timeout: 15000 });
    summary.v1Row = await rowText(v1);
    await shot('05-released-v1', 'the "Released v1 to demo" notification (Open App, Show Build Output) and v1 current in the release tree');

    await toast(page, 'Released v1 to demo').locator('.monaco-button', { hasText: 'Show Build Output' }).click();
    await page.locator('.part.panel .view-lines', { hasText: 'Released v1' }).first().waitFor({ timeout: 15000 });
    summary.buildOutput = (await page.locator('.part.panel .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
    await shot('06-build-output', 'the "Slipway Build" output channel with the build lines');

    await contextMenu(page, treeRow(page, APP), 'Set Config Var…');
    await answerInput(page, 'GREETING');
    await answerInput(page, 'hello from the UI test', 'Value of GREETING');
    await toast(page, 'Set GREETING on demo: v2 is now current.').waitFor({ timeout: 30000 });
    await treeRow(page, 'v2').waitFor({ timeout: 15000 });
    mark('configSetV2Ms');

    await contextMenu(page, treeRow(page, 'v1'), 'Roll Back to Release…');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15000 }).catch(async (err: Error) => {
      const toasts = await page.locator('.notifications-toasts .notification-list-item').allInnerTexts().catch(() => []);
      throw new Error(`${err.message}\nno rollback confirmation; the notifications: ${JSON.stringify(toasts)}`);
    });
    summary.rollbackDialog = (await dialog.innerText()).replace(/\u00a0/g, ' ');
    await shot('07-rollback-confirm', 'the modal confirmation of the rollback: what v1 restores (description, slug, GREETING removed) and how to undo it');
    await dialog.locator('.monaco-button', { hasText: 'Roll Back' }).click();
    await toast(page, 'Rolled back demo to v1: v3 is now current.').waitFor({ timeout: 30000 });
    const v3 = treeRow(page, 'v3');
    await v3.waitFor({ timeout: 15000 });
    summary.v3Row = await rowText(v3);
    mark('rolledBackMs');
    await expandRow(page, 'Dynos');
    const web1 = treeRow(page, 'web.1');
    await web1.waitFor({ timeout: 30000 });
    summary.web1Row = await rowText(web1);
    await shot('08-rolled-back', 'v3 "Rollback to v1" current in the release tree, v2 and v1 below it, the Dynos node with web.1, and the "Rolled back" notification');
    await hoverRow(page, 'v3');
    await shot('09-release-tooltip', 'the tooltip of v3: current, its description, slug id and size, and when');

    // The log panel, from the app's context menu: live lines, coloured by source and dyno.
    await contextMenu(page, treeRow(page, APP), 'Show Logs');
    const logs = await logPanelFrame(page);
    await logs.locator('#rows .row:not([hidden])').nth(2).waitFor({ timeout: 30000 });
    summary.logRows = await visibleLogRows(logs);
    mark('logPanelMs');
    await shot('10-log-panel', 'the Slipway Logs panel on demo: the toolbar (app, dyno, source, text filter, Follow, Pause, Clear, status) over the app\'s log lines, each with its time, a coloured source[dyno] tag and the message');

    // Scale from the tree: the Formation node's context menu, an input box with the formation to edit.
    await contextMenu(page, treeRow(page, 'Formation'), 'Scale…');
    await answerInput(page, 'web=2 worker=1');
    await toast(page, 'Scaled demo to web=2 worker=1.').waitFor({ timeout: 30000 });
    await treeRow(page, 'web.2').waitFor({ timeout: 30000 });
    await treeRow(page, 'worker.1').waitFor({ timeout: 30000 });
    await logs.locator('#rows .row:not([hidden])', { hasText: 'app[worker.1]' }).first().waitFor({ timeout: 30000 });
    summary.scaledRows = [await rowText(treeRow(page, 'web.1')), await rowText(treeRow(page, 'web.2')), await rowText(treeRow(page, 'worker.1'))];
    summary.logRowsAfterScale = await visibleLogRows(logs);
    mark('scaledMs');
    await shot('11-scaled', 'after "Scale…" on the Formation node (web=2 worker=1): web.1, web.2 and worker.1 in the Dynos node, the "Scaled demo" notification, and the worker\'s ticks arriving in the log panel in their own colour');

    // The panel's own controls: a text filter (only the worker's ticks), then Pause.
    await logs.locator('#text').fill('tick');
    await logs.locator('#status', { hasText: / lines? of / }).waitFor({ timeout: 10000 });
    summary.filteredRows = await visibleLogRows(logs);
    await logs.locator('#pause').click();
    await logs.locator('#status', { hasText: 'paused' }).waitFor({ timeout: 10000 });
    summary.pausedStatus = await logs.locator('#status').innerText();
    await shot('12-log-filter-paused', 'the log panel filtered to "tick" (only the worker\'s lines, "N lines of M" in the status) and paused (Resume pressed in; the status counts the lines held meanwhile)');
    await logs.locator('#pause').click();
    await logs.locator('#text').fill('');

    const releases = JSON.parse(cli(home, ['releases', '-a', APP, '--json'])) as { version: number; description: string; current: boolean }[];
    summary.releases = releases.map((r) => `v${r.version} ${r.description}${r.current ? ' (current)' : ''}`);
    const channel = slipwayChannelLog(dirs.userData);
    const activation = /activated in ([\d.]+) ms/.exec(channel);
    summary.activationMs = activation ? Number(activation[1]) : null;
    summary.attached = /attached to the running platform/.test(channel);
    const problems: string[] = [];
    if (!/^v1 — Deploy [0-9a-f]{7} · /.test(String(summary.v1Row))) problems.push(`v1 row reads "${String(summary.v1Row)}"`);
    if (!/^v3 — Rollback to v1 · /.test(String(summary.v3Row))) problems.push(`v3 row reads "${String(summary.v3Row)}"`);
    if (!String(summary.rollbackDialog).includes('Config vars removed: GREETING.')) problems.push('the rollback confirmation does not name GREETING');
    if (releases[0]?.description !== 'Rollback to v1' || !releases[0]?.current) problems.push(`the platform's releases: ${JSON.stringify(summary.releases)}`);
    if (!summary.attached) problems.push('the extension did not attach to the platform the CLI started');
    const filtered = summary.filteredRows as string[];
    if (filtered.length === 0 || !filtered.every((r) => r.includes('tick'))) problems.push(`the "tick" filter shows: ${JSON.stringify(summary.filteredRows)}`);
    if (!(summary.logRows as string[]).some((r) => /app\[api\]\s*Release v3 created/.test(r) || /\[web\.1\]/.test(r))) problems.push(`the log panel shows: ${JSON.stringify(summary.logRows)}`);
    summary.ok = problems.length === 0;
    if (problems.length) summary.error = problems.join('; ');
  } catch (err) {
    summary.error = (err as Error).stack ?? String(err);
    await shot('failure', 'the workbench when the scenario failed').catch(() => undefined);
  } finally {
    summary.console = wb.console.filter((l) => /slipway|Slipway|pageerror/.test(l)).slice(-40);
    await wb.close().catch(() => undefined);
    await cs.stop();
    summary.platformLeftRunning = await stopLeftoverPlatform(home);
    summary.totalMs = Date.now() - t0;
  }
  return summary;
}

/** The log panel's content frame (the webview view's iframe holding #viewport). */
async function logPanelFrame(page: Page): Promise<Frame> {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    for (const f of page.frames()) {
      if (await f.$('#viewport').catch(() => null)) return f;
    }
    await page.waitForTimeout(200);
  }
  throw new Error('the log panel did not open (no webview frame with #viewport)');
}

/** The log rows drawn in the panel: "time source[dyno] message". */
async function visibleLogRows(frame: Frame): Promise<string[]> {
  return (await frame.locator('#rows .row:not([hidden])').allInnerTexts()).map((t) => t.replace(/\u00a0/g, ' '));
}

/** "label — description" of a tree row. */
async function rowText(row: Locator): Promise<string> {
  const label = await row.locator('.label-name').first().innerText();
  const description = await row
    .locator('.label-description')
    .first()
    .innerText()
    .catch(() => '');
  return `${label} — ${description}`.replace(/\u00a0/g, ' ');
}

/** Moves the mouse over a row (so the screenshot shows its inline actions and tooltip). */
async function hoverRow(page: Page, label: string): Promise<void> {
  await treeRow(page, label).hover();
  await page
    .locator('.monaco-hover, .workbench-hover')
    .first()
    .waitFor({ timeout: 3000 })
    .catch(() => undefined); // the tooltip is a nicety for the screenshot
}
