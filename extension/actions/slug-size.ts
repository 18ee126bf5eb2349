/**
 * "Slipway: Analyze Slug Size": the predicted compressed size of a folder's slug (what
 * `.slugignore` leaves, before build steps; the same code as `slipway slug:size`), its class,
 * a warning at the soft and hard limits that names the largest contributors, with a quick action
 * that adds them to `.slugignore` and analyses again. The same check runs after each deploy,
 * on the real slug's size.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import * as vscode from 'vscode';
import type { Release } from '../../platform/api/schemas';
import { formatSize, type SlugClass } from '../../platform/shared/size';
import { slugSettings } from '../config';
import type { Ctx } from '../ctx';
import { folderOf, isRecord } from './args';
import { pickWorkspaceFolder } from './pick';

export interface SlugAnalysis {
  folder: string;
  bytes: number;
  class: SlugClass;
  top: { path: string; bytes: number }[];
  level: 'ok' | 'soft' | 'hard';
}

const MiB = 1024 * 1024;

export function slugLevel(bytes: number): SlugAnalysis['level'] {
  const { softLimitMiB, hardLimitMiB } = slugSettings();
  return bytes >= hardLimitMiB * MiB ? 'hard' : bytes >= softLimitMiB * MiB ? 'soft' : 'ok';
}

/** The prediction for a folder (the same code as `slipway slug:size`). */
export async function analyzeSlug(ctx: Ctx, folder: string): Promise<SlugAnalysis> {
  // Loaded on first use: keeps activation cheap.
  const { predictSlugSize } = await import('../../platform/shared/slug-estimate');
  const t0 = performance.now();
  const size = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Predicting the slug size of ${basename(folder)}` }, () => predictSlugSize(folder));
  ctx.log(`slug size of ${folder}: ${formatSize(size.bytes)} (${size.class}) in ${Math.round(performance.now() - t0)} ms`);
  return { folder, bytes: size.bytes, class: size.class, top: size.top, level: slugLevel(size.bytes) };
}

/** "a (30M), b (12M), c (1.2M)": the largest contributors, for a message. */
function largest(top: SlugAnalysis['top'], n = 3): string {
  return top
    .slice(0, n)
    .map((t) => `${t.path} (${formatSize(t.bytes)})`)
    .join(', ');
}

const IGNORE_ACTION = 'Add to .slugignore…';

/** Says how big the slug is; at the limits, a warning that names the largest contributors and offers to drop them. */
function report(ctx: Ctx, a: SlugAnalysis, head: string): void {
  const { softLimitMiB, hardLimitMiB } = slugSettings();
  const biggest = a.top.length ? ` Largest: ${largest(a.top)}.` : '';
  const text =
    a.level === 'hard'
      ? `${head} That is over the hard limit of ${hardLimitMiB} MiB: a deploy will be refused.${biggest}`
      : a.level === 'soft'
        ? `${head} That is over the soft limit of ${softLimitMiB} MiB: deploys and dyno starts get slower.${biggest}`
        : head;
  const actions = a.top.length ? [IGNORE_ACTION] : [];
  const show = a.level === 'hard' ? vscode.window.showErrorMessage : a.level === 'soft' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  void show(text, ...actions).then(async (choice) => {
    if (choice === IGNORE_ACTION) await pickAndIgnore(ctx, a);
  });
}

export async function analyzeSlugCommand(ctx: Ctx, arg?: unknown): Promise<SlugAnalysis | undefined> {
  const folder = folderOf(arg) ?? (await pickWorkspaceFolder('Folder whose slug size to predict'));
  if (!folder) return undefined;
  const analysis = await analyzeSlug(ctx, folder);
  report(ctx, analysis, `Predicted slug size of ${basename(folder)}: ${formatSize(analysis.bytes)} (${analysis.class}), before build steps.`);
  return analysis;
}

/**
 * After a deploy: the real slug's size against the limits. Over one, the folder is analysed and
 * the warning names its largest contributors, with "Add to .slugignore…". Also refreshes the
 * status bar entry.
 */
export async function checkSlugAfterDeploy(ctx: Ctx, folder: string, app: string, release: Release): Promise<SlugAnalysis | undefined> {
  ctx.slugStatus.schedule(0);
  const level = slugLevel(release.slug.size);
  if (level === 'ok') return undefined;
  const analysis = { ...(await analyzeSlug(ctx, folder)), level };
  report(ctx, analysis, `The slug of ${app} v${release.version} is ${formatSize(release.slug.size)} (${analysis.class}).`);
  return analysis;
}

/** The quick action: pick contributors (several at once), add them to .slugignore, analyse again. */
async function pickAndIgnore(ctx: Ctx, a: SlugAnalysis): Promise<void> {
  const picked = await vscode.window.showQuickPick(
    a.top.map((t) => ({ label: t.path, description: formatSize(t.bytes), path: t.path })),
    { title: `Add to ${basename(a.folder)}/.slugignore`, placeHolder: 'The largest contributors to the slug: pick what the app does not need at run time', canPickMany: true },
  );
  if (!picked?.length) return;
  await ignoreSlugPathsCommand(ctx, { folder: a.folder, paths: picked.map((p) => p.path) });
}

/**
 * `slipway.slug.ignore`: appends paths to a folder's .slugignore (creating it), shows the file,
 * then analyses again. From the explorer's context menu (a file or folder), the size warning's
 * quick action, or `{ folder, paths }`.
 */
export async function ignoreSlugPathsCommand(ctx: Ctx, arg?: unknown): Promise<SlugAnalysis | undefined> {
  let folder: string | undefined;
  let paths: string[] = [];
  if (arg instanceof vscode.Uri) {
    const ws = vscode.workspace.getWorkspaceFolder(arg);
    if (!ws) throw new Error(`${arg.fsPath} is not inside a workspace folder`);
    folder = ws.uri.fsPath;
    paths = [relative(folder, arg.fsPath).split(sep).join('/')].filter((p) => p && !p.startsWith('..'));
  } else {
    folder = folderOf(arg);
    const given = isRecord(arg) ? arg.paths : undefined;
    if (Array.isArray(given)) paths = given.filter((p): p is string => typeof p === 'string');
  }
  if (!folder || paths.length === 0) return undefined;
  for (const p of paths) await addToSlugignore(folder, p);
  ctx.log(`added ${paths.map((p) => `/${p}`).join(', ')} to ${join(folder, '.slugignore')}`);
  if (!isRecord(arg) || arg.show !== false) await vscode.window.showTextDocument(vscode.Uri.file(join(folder, '.slugignore')), { preview: true, preserveFocus: true });
  const analysis = await analyzeSlug(ctx, folder);
  report(ctx, analysis, `Added ${paths.join(', ')} to .slugignore. Predicted slug size of ${basename(folder)} now: ${formatSize(analysis.bytes)} (${analysis.class}).`);
  ctx.slugStatus.schedule(0);
  return analysis;
}

/** Appends `/PATH` (anchored at the app root) to the folder's .slugignore, creating it if needed. */
export async function addToSlugignore(folder: string, path: string): Promise<void> {
  const file = join(folder, '.slugignore');
  const existing = await readFile(file, 'utf8').catch(() => '');
  // gitignore syntax: escape the pattern characters and a trailing space
  const line = `/${path.replace(/[\\*?[]/g, (c) => `\\${c}`).replace(/ $/, '\\ ')}`;
  if (existing.split(/\r?\n/).includes(line)) return;
  await appendFile(file, `${existing && !existing.endsWith('\n') ? '\n' : ''}${line}\n`);
}
