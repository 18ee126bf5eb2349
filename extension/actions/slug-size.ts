/**
 * "Slipway: Analyze Slug Size": the predicted compressed size of a folder's slug (what
 * `.slugignore` leaves, before build steps; the same code as `slipway slug:size`), its class,
 * a warning at the soft and hard limits, and the largest contributors with a quick action that
 * adds one to `.slugignore`.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import type { SlugClass } from '../../platform/slugs/size';
import { slugSettings } from '../config';
import type { Ctx } from '../ctx';
import { folderOf } from './args';
import { pickWorkspaceFolder } from './pick';

export interface SlugAnalysis {
  folder: string;
  bytes: number;
  class: SlugClass;
  top: { path: string; bytes: number }[];
  level: 'ok' | 'soft' | 'hard';
}

const MiB = 1024 * 1024;

export async function analyzeSlugCommand(ctx: Ctx, arg?: unknown): Promise<SlugAnalysis | undefined> {
  const folder = folderOf(arg) ?? (await pickWorkspaceFolder('Folder whose slug size to predict'));
  if (!folder) return undefined;
  // Loaded on first use: keeps activation cheap.
  const { formatSize, predictSlugSize } = await import('../../platform/slugs/size');
  const t0 = performance.now();
  const size = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Predicting the slug size of ${basename(folder)}` }, () => predictSlugSize(folder));
  const { softLimitMiB, hardLimitMiB } = slugSettings();
  const level = size.bytes >= hardLimitMiB * MiB ? 'hard' : size.bytes >= softLimitMiB * MiB ? 'soft' : 'ok';
  const analysis: SlugAnalysis = { folder, bytes: size.bytes, class: size.class, top: size.top, level };
  ctx.log(`slug size of ${folder}: ${formatSize(size.bytes)} (${size.class}) in ${Math.round(performance.now() - t0)} ms`);

  const head = `Predicted slug size of ${basename(folder)}: ${formatSize(size.bytes)} (${size.class}), before build steps.`;
  const text =
    level === 'hard'
      ? `${head} That is over the hard limit of ${hardLimitMiB} MiB: a deploy will be refused.`
      : level === 'soft'
        ? `${head} That is over the soft limit of ${softLimitMiB} MiB: deploys and dyno starts get slower.`
        : head;
  const actions = size.top.length ? ['Show Largest Contributors'] : [];
  const show = level === 'hard' ? vscode.window.showErrorMessage : level === 'soft' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  void show(text, ...actions).then(async (choice) => {
    if (choice) await pickContributor(ctx, folder, size.top, formatSize);
  });
  return analysis;
}

async function pickContributor(ctx: Ctx, folder: string, top: SlugAnalysis['top'], formatSize: (n: number) => string): Promise<void> {
  const picked = await vscode.window.showQuickPick(
    top.map((t) => ({ label: t.path, description: formatSize(t.bytes), path: t.path })),
    { title: 'Largest contributors to the slug', placeHolder: 'Pick one to add to .slugignore' },
  );
  if (!picked) return;
  await addToSlugignore(folder, picked.path);
  ctx.log(`added /${picked.path} to ${join(folder, '.slugignore')}`);
  await vscode.window.showTextDocument(vscode.Uri.file(join(folder, '.slugignore')), { preview: true });
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
