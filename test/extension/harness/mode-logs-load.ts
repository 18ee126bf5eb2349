/**
 * Mode `logs-load`: the log panel under load, measured (not asserted). The `chatty` fixture
 * (10,000 numbered lines a second by default, LINES_PER_S) is deployed with the CLI and scaled
 * to worker=1; a code-server workbench with the extension (the checkout, as a development
 * extension) opens the log panel on it from the palette; then, for 30 s (`--seconds N`):
 *
 * - long tasks (PerformanceObserver 'longtask', tasks over 50 ms) in the workbench page and in
 *   the webview's own frame: count, total and longest;
 * - animation frames in the webview frame: how many, the longest gap, gaps over 50 ms;
 * - CDP Performance metrics of the workbench renderer (task, script, layout, style time);
 * - lines that reached the webview (its `data-received`), the L10 drop markers it got;
 * - CPU of the extension host and of the platform (from /proc), and the machine's load average;
 * - after the window, still under load: the time from a click on Pause to the status saying so,
 *   and whether scrolling up stops following and holds the view still.
 *
 * Prints one `[logs-load]` line and writes the figures to summary-logs-load.json, with a
 * screenshot (logs-load.png). `ok` only says the measurement ran.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { homePaths } from '../../../platform/discovery/home';
import { readPlatformFile } from '../../../platform/discovery/platform-file';
import { makeTestHome } from '../workspace';
import { REPO } from './build-suite';
import { codeServerEnv, makeRunDirs, startCodeServer, writeUserSettings } from './code-server';
import { stopLeftoverPlatform, type ModeOptions, type ModeSummary } from './mode';
import { cli } from './mode-ui';
import { launchWorkbench, openWorkbench, quickPick, runCommand } from './workbench';

const APP = 'chatty';

interface LongTasks {
  count: number;
  totalMs: number;
  maxMs: number;
}

/** CPU seconds (user + system) a process has used, from /proc (Linux). */
function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
  } catch {
    return null;
  }
}

/** The extension host process among code-server's process group. */
function extensionHostPid(pgid: number): number | null {
  const ps = spawnSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' });
  for (const line of ps.stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (m && Number(m[2]) === pgid && /extensionHost/.test(m[3])) return Number(m[1]);
  }
  return null;
}

async function logPanelFrame(page: Page): Promise<Frame> {
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    for (const f of page.frames()) if (await f.$('#viewport').catch(() => null)) return f;
    await page.waitForTimeout(200);
  }
  throw new Error('the log panel did not open (no webview frame with #viewport)');
}

// The page-side scripts are strings: they run in the browser (no DOM types in this project).

/** Starts counting long tasks (and, with `frames`, animation frames) in a frame. */
async function observe(frame: Frame, frames: boolean): Promise<void> {
  await frame.evaluate(`(() => {
    const lt = (window.__lt = { count: 0, totalMs: 0, maxMs: 0 });
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        lt.count++;
        lt.totalMs += e.duration;
        lt.maxMs = Math.max(lt.maxMs, e.duration);
      }
    }).observe({ type: 'longtask' });
    if (!${String(frames)}) return;
    const fr = (window.__fr = { n: 0, worstMs: 0, over50: 0, last: performance.now() });
    const tick = (t) => {
      const gap = t - fr.last;
      fr.last = t;
      fr.n++;
      fr.worstMs = Math.max(fr.worstMs, gap);
      if (gap > 50) fr.over50++;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
}

async function collect(frame: Frame): Promise<{ longTasks: LongTasks; frames?: { n: number; worstMs: number; over50: number } }> {
  return frame.evaluate<{ longTasks: LongTasks; frames?: { n: number; worstMs: number; over50: number } }>(`(() => {
    const r = (n) => Math.round(n * 10) / 10;
    const lt = window.__lt, fr = window.__fr;
    return { longTasks: { count: lt.count, totalMs: r(lt.totalMs), maxMs: r(lt.maxMs) }, ...(fr ? { frames: { n: fr.n, worstMs: r(fr.worstMs), over50: fr.over50 } } : {}) };
  })()`);
}

/** What the panel's script reports on its body (media/logs/logs.js). */
async function received(frame: Frame): Promise<{ received: number; markers: number; status: string; lastLine: number }> {
  return frame.evaluate<{ received: number; markers: number; status: string; lastLine: number }>(`(() => {
    const rows = [...document.querySelectorAll('#rows .row:not([hidden]) .m')].map((m) => /^line (\\d+)/.exec(m.textContent)).filter(Boolean);
    return {
      received: Number(document.body.dataset.received || 0),
      markers: Number(document.body.dataset.markers || 0),
      status: document.getElementById('status').textContent,
      lastLine: rows.length ? Math.max(...rows.map((m) => Number(m[1]))) : 0,
    };
  })()`);
}

export async function runLogsLoadMode(opts: ModeOptions & { seconds?: number }): Promise<ModeSummary> {
  const seconds = opts.seconds ?? 30;
  const t0 = Date.now();
  const home = join(opts.runRoot, 'home');
  makeTestHome(home);
  const folder = join(opts.runRoot, 'chatty');
  cpSync(join(REPO, 'test', 'fixtures', 'apps', 'chatty'), folder, { recursive: true });
  const dirs = makeRunDirs(join(opts.runRoot, 'vscode'));
  writeUserSettings(dirs, { 'slipway.home': home });
  const summary: ModeSummary = { mode: 'logs-load', ok: false, marks: {}, screenshots: [], seconds, linesPerSecondWritten: Number(process.env.LINES_PER_S ?? 10000) };
  cli(home, ['apps:create', APP]);
  cli(home, ['deploy', folder, '-a', APP]);
  if (process.env.LINES_PER_S) cli(home, ['config:set', `LINES_PER_S=${process.env.LINES_PER_S}`, '-a', APP]);
  cli(home, ['ps:scale', 'worker=1', '-a', APP]);

  const cs = await startCodeServer({ entry: opts.codeServer, dirs, folder, env: codeServerEnv(dirs), log: join(opts.out, 'logs-load-code-server.log') });
  const wb = await launchWorkbench(dirs);
  const page = wb.page;
  try {
    const payload = [['extensionDevelopmentPath', `vscode-remote://${cs.authority}${REPO}`]];
    await openWorkbench(page, `${cs.base}?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    await page.locator('.part.statusbar .statusbar-item[aria-label="Slipway platform running"]').waitFor({ timeout: 60000 });
    await runCommand(page, 'Slipway: Show Logs');
    await quickPick(page, APP);
    const frame = await logPanelFrame(page);
    await frame.locator('#rows .row:not([hidden])').nth(5).waitFor({ timeout: 30000 });
    await page.waitForTimeout(3000); // past the history burst: measure the steady live tail

    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const metrics = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    await observe(page.mainFrame(), false);
    await observe(frame, true);
    const hostPid = extensionHostPid(cs.process.pid!);
    const platformPid = readPlatformFile(homePaths(home).platformJson)?.pid ?? null;
    const cpu0 = { host: hostPid ? cpuSeconds(hostPid) : null, platform: platformPid ? cpuSeconds(platformPid) : null };
    const m0 = await metrics();
    const r0 = await received(frame);
    const load0 = loadavg()[0];
    const start = Date.now();
    await page.waitForTimeout(seconds * 1000);
    const elapsed = (Date.now() - start) / 1000;
    const r1 = await received(frame);
    const m1 = await metrics();
    const cpu1 = { host: hostPid ? cpuSeconds(hostPid) : null, platform: platformPid ? cpuSeconds(platformPid) : null };
    const webview = await collect(frame);
    const workbench = await collect(page.mainFrame());
    const pct = (a: number | null, b: number | null) => (a !== null && b !== null ? Math.round(((b - a) / elapsed) * 100) : null);
    const ms = (k: string) => Math.round((m1[k] - m0[k]) * 1000);

    const window = { seconds: Math.round(elapsed * 10) / 10 };
    const lines = {
      // chatty numbers its lines: what it wrote in the window, from the newest line shown at each end
      linesWrittenPerSecond: Math.round((r1.lastLine - r0.lastLine) / elapsed),
      linesReceived: r1.received - r0.received,
      linesPerSecond: Math.round((r1.received - r0.received) / elapsed), overflowMarkers: r1.markers - r0.markers, status: r1.status, domRows: await frame.locator('#rows .row').count() };
    const cpuPercent = { extensionHost: pct(cpu0.host, cpu1.host), platform: pct(cpu0.platform, cpu1.platform) };
    Object.assign(summary, {
      window,
      webview: { ...webview, ...lines },
      workbench: { ...workbench, cdp: { taskMs: ms('TaskDuration'), scriptMs: ms('ScriptDuration'), layoutMs: ms('LayoutDuration'), recalcStyleMs: ms('RecalcStyleDuration') } },
      cpuPercent,
      // the machine's 1-minute load average (2 cores here): other work skews the figures
      loadAverage: { before: Math.round(load0 * 100) / 100, after: Math.round(loadavg()[0] * 100) / 100 },
    });
    // Still under load: the controls answer, and scrolling up holds the view still.
    const clicked = Date.now();
    await frame.locator('#pause').click();
    await frame.locator('#status', { hasText: 'paused' }).waitFor({ timeout: 10000 });
    const pauseMs = Date.now() - clicked;
    await frame.locator('#pause').click();
    await frame.locator('#viewport').hover();
    await page.mouse.wheel(0, -600);
    await frame.locator('#follow[aria-pressed="false"]').waitFor({ timeout: 10000 });
    const firstRow = async () => (await frame.locator('#rows .row:not([hidden])').first().innerText()).replace(/\u00a0/g, ' ');
    const held = await firstRow();
    await page.waitForTimeout(1000);
    const stillHeld = await firstRow();
    await frame.locator('#follow').click();
    await frame.locator('#follow[aria-pressed="true"]').waitFor({ timeout: 10000 });
    summary.interaction = { pauseToStatusMs: pauseMs, scrollUpStopsFollow: true, viewHeldWhileScrolledUp: held === stillHeld, rowHeld: held };
    console.log(`[logs-load] under load: Pause to "paused" in ${pauseMs} ms (through Playwright); scrolling up stops following and ${held === stillHeld ? 'holds the view still' : 'did NOT hold the view'}`);
    const path = join(opts.out, 'logs-load.png');
    await page.screenshot({ path });
    summary.screenshots.push(path);
    console.log(
      `[logs-load] ${window.seconds} s of chatty at ${String(summary.linesPerSecondWritten)} lines/s: ` +
        `webview long tasks ${webview.longTasks.count} (${webview.longTasks.totalMs} ms total, longest ${webview.longTasks.maxMs} ms), ` +
        `frames ${webview.frames?.n} (longest gap ${webview.frames?.worstMs} ms, ${webview.frames?.over50} over 50 ms); ` +
        `workbench long tasks ${workbench.longTasks.count} (${workbench.longTasks.totalMs} ms total, longest ${workbench.longTasks.maxMs} ms); ` +
        `${lines.linesPerSecond} lines/s reached the panel (chatty wrote ${lines.linesWrittenPerSecond}/s), ${lines.overflowMarkers} L10 markers; ` +
        `CPU: extension host ${String(cpuPercent.extensionHost)}%, platform ${String(cpuPercent.platform)}%; load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}`,
    );
    summary.ok = true;
  } catch (err) {
    summary.error = (err as Error).stack ?? String(err);
    await page.screenshot({ path: join(opts.out, 'logs-load-failure.png') }).catch(() => undefined);
  } finally {
    summary.console = wb.console.filter((l) => /slipway|Slipway|pageerror/.test(l)).slice(-20);
    summary.cspViolations = wb.console.filter((l) => /Content Security Policy|Refused to/.test(l));
    await wb.close().catch(() => undefined);
    await cs.stop();
    summary.platformLeftRunning = await stopLeftoverPlatform(home);
    summary.totalMs = Date.now() - t0;
  }
  return summary;
}
