/**
 * Slugs are content-addressed and may be shared by apps; a slug file is kept while a release
 * refers to it.
 * - At start-up (nothing else runs yet) every unreferenced file goes, which clears what a crash in
 *   the middle of a build left behind: temporary files, a slug whose release was never written.
 * - After a destroy only the destroyed app's slugs are candidates, so a build running for
 *   another app (its temporary file, its finished slug whose release is being written) is safe.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlatformContext } from '../context';
import type { ReleaseRecord } from './db';

export async function referencedSlugs(ctx: Pick<PlatformContext, 'db'>): Promise<Set<string>> {
  const referenced = new Set<string>();
  for await (const value of ctx.db.values({ gte: 'rel!', lt: 'rel!\xff' })) {
    referenced.add((value as ReleaseRecord).slugId);
  }
  return referenced;
}

const slugFile = (id: string) => `${id}.tar.gz`;

/** Removes unreferenced slugs among `candidates` (slug ids), or every unreferenced file when none are given. */
export async function collectSlugGarbage(ctx: Pick<PlatformContext, 'db' | 'paths'>, candidates?: Iterable<string>): Promise<string[]> {
  const referenced = await referencedSlugs(ctx);
  let names: string[];
  if (candidates) {
    names = [...candidates].map(slugFile);
  } else {
    try {
      names = await readdir(ctx.paths.slugs);
    } catch {
      return [];
    }
  }
  const removed: string[] = [];
  for (const name of names) {
    const id = name.endsWith('.tar.gz') ? name.slice(0, -'.tar.gz'.length) : null;
    if (id !== null && referenced.has(id)) continue;
    await rm(join(ctx.paths.slugs, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
