/**
 * Slugs as directories: a release's slug is extracted once into a read-only cache
 * (appsDir/NAME/dynos/slugs/KEY), and every dyno gets its own fresh, writable copy of it,
 * removed when the dyno ends. A dyno's writes never reach the cache, another dyno or the
 * user's source. The two most recently used slugs of an app stay cached (the current release
 * and the one a deploy or rollback moves from); older ones are removed once no copy is being
 * made from them.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const KEEP = 2;

/** Runs a tool with an argv array; rejects with its stderr. */
export function run(file: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
      else resolve();
    });
  });
}

/** Removes a tree even when parts of it are read-only. */
export async function removeTree(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
  } catch {
    await run('chmod', ['-R', 'u+w', dir]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

/** A copy of `src` at `dest` (which must not exist) that its owner can write. */
export async function copyTree(src: string, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  await run('cp', ['-a', src, dest]);
  await run('chmod', ['-R', 'u+w', dest]);
}

const exists = (path: string) => access(path).then(() => true, () => false);

export function slugKey(slugPath: string): string {
  const name = basename(slugPath).replace(/\.tar\.gz$|\.tgz$/, '').replace(/[^A-Za-z0-9._-]/g, '_');
  return name.length > 0 && !name.startsWith('.') ? name : `slug-${Buffer.from(slugPath).toString('hex').slice(0, 32)}`;
}

export class SlugCache {
  private readonly ready = new Map<string, Promise<string>>();
  private readonly removing = new Map<string, Promise<void>>();
  private readonly users = new Map<string, number>();
  /** Most recently used first. */
  private recent: string[] = [];

  constructor(private readonly root: string) {}

  /** The slug's extracted directory (read-only; extracting it on first use). */
  async prepare(slugPath: string): Promise<string> {
    const key = slugKey(slugPath);
    this.recent = [key, ...this.recent.filter((k) => k !== key)];
    let ready = this.ready.get(key);
    if (!ready) {
      ready = this.extract(key, slugPath);
      this.ready.set(key, ready);
      ready.catch(() => this.ready.delete(key));
    }
    return ready;
  }

  /** A fresh writable copy of the slug at `dest`. */
  async copyTo(slugPath: string, dest: string): Promise<void> {
    const key = slugKey(slugPath);
    this.users.set(key, (this.users.get(key) ?? 0) + 1);
    try {
      const dir = await this.prepare(slugPath);
      await copyTree(dir, dest);
    } finally {
      this.users.set(key, (this.users.get(key) ?? 1) - 1);
      this.evict();
    }
  }

  /** Waits for removals in progress (before the directory itself is removed). */
  async settle(): Promise<void> {
    await Promise.all([...this.removing.values()]);
  }

  private async extract(key: string, slugPath: string): Promise<string> {
    await this.removing.get(key);
    const final = join(this.root, key);
    if (await exists(final)) return final;
    await access(slugPath).catch(() => {
      throw new Error(`slug ${slugPath} does not exist`);
    });
    const tmp = join(this.root, `.extract-${key}-${randomBytes(4).toString('hex')}`);
    await mkdir(tmp, { recursive: true });
    try {
      await run('tar', ['-xzf', slugPath, '-C', tmp, '--no-same-owner']);
      await run('chmod', ['-R', 'a-w', tmp]);
      await run('chmod', ['u+w', tmp]); // the top stays writable: rename needs it on some systems
      await rename(tmp, final);
      await run('chmod', ['a-w', final]);
    } catch (err) {
      await removeTree(tmp);
      if (await exists(final)) return final; // another extraction won the race
      throw err;
    }
    return final;
  }

  private evict(): void {
    for (const key of [...this.ready.keys()]) {
      if (this.recent.indexOf(key) < KEEP && this.recent.includes(key)) continue;
      if ((this.users.get(key) ?? 0) > 0) continue;
      this.ready.delete(key);
      this.users.delete(key);
      this.recent = this.recent.filter((k) => k !== key);
      const removal = removeTree(join(this.root, key)).finally(() => {
        if (this.removing.get(key) === removal) this.removing.delete(key);
      });
      this.removing.set(key, removal);
    }
  }
}
