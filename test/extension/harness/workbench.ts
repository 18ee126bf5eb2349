/**
 * The workbench in Debian's Chromium, driven by playwright-core: launch, the automation hooks
 * the workbench calls (`codeAutomationExit`, `codeAutomationLog`), and the few gestures the UI
 * scenario needs (a command from F1, a tree row, a context menu, a dialog button).
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import type { RunDirs } from './code-server';

export const CHROMIUM = process.env.SLIPWAY_TEST_CHROMIUM ?? '/usr/bin/chromium';

export interface Workbench {
  context: BrowserContext;
  page: Page;
  /** Console lines of the page and of the extension host (through codeAutomationLog). */
  console: string[];
  /** Resolves with the code the workbench passes to codeAutomationExit (after an extension test run). */
  exited: Promise<number>;
  close(): Promise<void>;
}

export async function launchWorkbench(dirs: RunDirs, opts: { echoExtensionHost?: boolean } = {}): Promise<Workbench> {
  const context = await chromium.launchPersistentContext(mkdtempSync(join(dirs.root, 'chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
    env: { ...process.env, HOME: dirs.home, XDG_CONFIG_HOME: join(dirs.home, '.config'), XDG_CACHE_HOME: join(dirs.home, '.cache') },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const lines: string[] = [];
  page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => lines.push(`pageerror: ${e.message}`));
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  await page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));
  await page.exposeFunction('codeAutomationLog', (type: string, args: unknown) => {
    const line = format(...(Array.isArray(args) ? (args as unknown[]) : [args]));
    lines.push(`exthost ${type}: ${line}`);
    if (opts.echoExtensionHost && !/^(Resolv|Creating a socket|\[Service Worker\]|Updating additional|Ignoring fetching additional|ChatSessionStore)/.test(line)) {
      console.log(`[exthost] ${line}`);
    }
  });
  return { context, page, console: lines, exited, close: () => context.close() };
}

export async function openWorkbench(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 90000 });
}

/** Runs a command from the palette by its full title ("Slipway: Deploy…"). */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
}

/** A row of the side bar's tree whose label is exactly `label`. */
export function treeRow(page: Page, label: string): Locator {
  return page
    .locator('.part.sidebar .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
}

/**
 * Expands the tree row `label` (a click toggles it). The tree re-renders on platform events: a
 * click that lands during a re-render can be lost, or the row can already be open and the click
 * would close it, so this looks at `aria-expanded` before and after each click.
 */
export async function expandRow(page: Page, label: string): Promise<void> {
  const row = treeRow(page, label);
  const open = row.and(page.locator('[aria-expanded="true"]'));
  for (let attempt = 1; attempt <= 5; attempt++) {
    await row.waitFor({ timeout: 15000 });
    await treeSettled(page);
    if ((await row.getAttribute('aria-expanded').catch(() => null)) === 'true') return;
    await row.click();
    if (await open.waitFor({ timeout: 2000 }).then(() => true, () => false)) return;
  }
  throw new Error(`the tree row "${label}" did not expand after 5 clicks`);
}

/** Picks `label` from an open quick pick or answers an input box. */
export async function quickPick(page: Page, label: string): Promise<void> {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ timeout: 15000 });
  await row.click();
}

/**
 * Types `value` into the open input box and presses Enter. `prompt`: text of the box to wait for
 * first — a second prompt reuses the same widget, so without it the value can land in the
 * previous box while that one is still closing.
 */
export async function answerInput(page: Page, value: string, prompt?: string): Promise<void> {
  if (prompt !== undefined) await page.locator('.quick-input-widget', { hasText: prompt }).waitFor({ state: 'visible', timeout: 15000 });
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15000 });
  await input.fill(value);
  await page.keyboard.press('Enter');
}

/**
 * Resolves once the sidebar's DOM has not changed for `quietMs` (or after `timeoutMs` anyway).
 * The tree re-renders on platform events (a release, a dyno starting or retiring): a row
 * clicked in the middle of one can move, and the click lands on its neighbour.
 */
export async function treeSettled(page: Page, quietMs = 300, timeoutMs = 5000): Promise<void> {
  await page.evaluate(`new Promise((resolve) => {
    const root = document.querySelector('.part.sidebar');
    if (!root) return resolve(false);
    let quiet;
    const done = (settled) => { observer.disconnect(); clearTimeout(quiet); clearTimeout(limit); resolve(settled); };
    const observer = new MutationObserver(() => { clearTimeout(quiet); quiet = setTimeout(() => done(true), ${quietMs}); });
    observer.observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
    quiet = setTimeout(() => done(true), ${quietMs});
    const limit = setTimeout(() => done(false), ${timeoutMs});
  })`);
}

/** Right-clicks `row` and chooses `item` from its context menu. */
export async function contextMenu(page: Page, row: Locator, item: string): Promise<void> {
  const entry = page.locator('.context-view .monaco-menu .action-item', { hasText: item }).first();
  // The tree re-renders on platform events; a row can move between locating it and the click,
  // and the menu then belongs to its neighbour. The list focuses the row it opened a menu on:
  // when that is not ours, close the menu and try again.
  for (let attempt = 1; ; attempt++) {
    await treeSettled(page);
    await row.click({ button: 'right' });
    await entry.waitFor({ timeout: 15000 });
    const ours = /\bfocused\b/.test((await row.getAttribute('class').catch(() => null)) ?? '');
    if (ours || attempt === 5) break;
    await page.keyboard.press('Escape');
    await entry.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
  }
  // A click that lands while the menu is still settling can be ignored (the menu stays open, as
  // CI once saw): the menu closes when a click is taken, so click until it has.
  for (let click = 1; click <= 3; click++) {
    await entry.click();
    const taken = await entry.waitFor({ state: 'hidden', timeout: 3000 }).then(
      () => true,
      () => false,
    );
    if (taken) return;
  }
  throw new Error(`the context menu entry "${item}" stayed open after 3 clicks`);
}

/** A notification toast whose message contains `text`. */
export function toast(page: Page, text: string | RegExp): Locator {
  return page.locator('.notifications-toasts .notification-list-item', { hasText: text }).first();
}
