/**
 * Slugs are content-addressed and may be shared by apps; a slug file is kept while a release
 * refers to it.
 * - At start-up (nothing else runs yet) a slug that no release mentions is moved aside
 *   (orphans.ts), never deleted: it may be the slug of a release lost with damaged state, or
 *   one whose release a crash kept from being written. Only the half-written files of a killed
 *   build (SlugFileWriter's `.building-PID-RANDOM.partial`) are removed.
 * - After a destroy (the user asked for it) the destroyed app's slugs that no other app uses
 *   are removed; only those are candidates, so a build running for another app is safe.
 */
import { readdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlatformContext } from '../context';
import type { ReleaseRecord } from './db';
import { moveAside, orphanStamp } from './orphans';

export async function referencedSlugs(ctx: Pick<PlatformContext, 'db'>): Promise<Set<string>> {
  const referenced = new Set<string>();
  for await (const value of ctx.db.values({ gte: 'rel!', lt: 'rel!\xff' })) {
    referenced.add((value as ReleaseRecord).slugId);
  }
  return referenced;
}

const slugFile = (id: string) => `${id}.tar.gz`;
/** The temporary name of a slug being written (slugs/slug-file.ts). */
export const PARTIAL_SLUG = /^\.building-\d+-[0-9a-f]+\.partial$/;

/** Held while slugs are removed or copied into a backup (store/backup.ts); no app is named so. */
export const SLUG_LOCK = '\0slugs';

/** Removes the destroyed app's slugs among `candidates` (slug ids) that no release refers to. */
export async function removeUnusedSlugs(ctx: Pick<PlatformContext, 'db' | 'paths' | 'locks'>, candidates: Iterable<string>): Promise<string[]> {
  return ctx.locks.run(SLUG_LOCK, async () => {
    const referenced = await referencedSlugs(ctx);
    const removed: string[] = [];
    for (const id of new Set(candidates)) {
      if (referenced.has(id)) continue;
      await rm(join(ctx.paths.slugs, slugFile(id)), { force: true });
      removed.push(slugFile(id));
    }
    return removed;
  });
}

export interface StartupSweep {
  /** Half-written files of killed builds, removed. */
  removed: string[];
  /** Slugs (and anything else) no release mentions, moved to these paths. */
  movedAside: string[];
}

/** At start-up, before anything builds: partial files go, unreferenced slugs are moved aside. */
export async function sweepSlugsAtStart(ctx: Pick<PlatformContext, 'db' | 'paths'>): Promise<StartupSweep> {
  const referenced = await referencedSlugs(ctx);
  let names: string[];
  try {
    names = readdirSync(ctx.paths.slugs);
  } catch {
    return { removed: [], movedAside: [] };
  }
  const sweep: StartupSweep = { removed: [], movedAside: [] };
  const stamp = orphanStamp();
  for (const name of names.sort()) {
    if (PARTIAL_SLUG.test(name)) {
      rmSync(join(ctx.paths.slugs, name), { force: true });
      sweep.removed.push(name);
      continue;
    }
    const id = name.endsWith('.tar.gz') ? name.slice(0, -'.tar.gz'.length) : null;
    if (id !== null && referenced.has(id)) continue;
    sweep.movedAside.push(moveAside(ctx.paths, stamp, 'slugs', join(ctx.paths.slugs, name)));
  }
  return sweep;
}

/** The deploy's name for removeUnusedSlugs (a cancelled deploy's own slug). */
export const collectSlugGarbage = removeUnusedSlugs;
