/**
 * The app repositories: one bare repository per app at `$SLIPWAY_HOME/apps/NAME/repo.git`,
 * created the first time git asks for it, with its pre-receive hook (hook-env.ts) and the
 * configuration a push needs: receive-pack over HTTP on, non-fast-forward pushes allowed (force
 * pushes deploy), the hook directory pinned (a user's global core.hooksPath cannot bypass the
 * hook) and a reflog of the branches (a record of every push).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { appWorkDir, type HomePaths } from '../discovery/home';
import { PRE_RECEIVE_SCRIPT } from '../shared/git-hook-env';

const run = promisify(execFile);

export const repoDir = (paths: HomePaths, app: string): string => join(appWorkDir(paths, app), 'repo.git');

function repoConfig(dir: string): [string, string][] {
  return [
    ['http.receivepack', 'true'],
    ['receive.denyNonFastForwards', 'false'],
    ['core.hooksPath', join(dir, 'hooks')],
    ['core.logAllRefUpdates', 'true'],
  ];
}

/**
 * Git's environment for the platform's own git commands and `git http-backend`: none of the
 * caller's GIT_* variables, and no NODE_EXTRA_CA_CERTS: nothing under git makes a TLS connection
 * (the pre-receive hook is our CLI talking to the platform over loopback HTTP), and node would
 * load the bundle at the hook's start, on every push (~100 ms here; spawn-env.ts).
 */
export function cleanGitEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!k.startsWith('GIT_') && k !== 'NODE_EXTRA_CA_CERTS') out[k] = v;
  return out;
}

/** Opens app repositories, creating them lazily; each is checked once per platform process. */
export class AppRepos {
  private readonly checked = new Set<string>();
  private readonly pending = new Map<string, Promise<void>>();

  constructor(private readonly paths: HomePaths) {}

  /** The app's bare repository, created or brought up to date if needed. */
  async open(app: string): Promise<string> {
    const dir = repoDir(this.paths, app);
    // A destroyed app takes its work dir, repository included, with it: check again then.
    if (this.checked.has(dir) && existsSync(join(dir, 'HEAD'))) return dir;
    let p = this.pending.get(dir);
    if (!p) {
      p = prepare(dir).finally(() => this.pending.delete(dir));
      this.pending.set(dir, p);
    }
    await p;
    this.checked.add(dir);
    return dir;
  }
}

async function prepare(dir: string): Promise<void> {
  const env = cleanGitEnv();
  if (!existsSync(join(dir, 'HEAD'))) {
    await mkdir(dir, { recursive: true });
    await run('git', ['init', '--bare', '--quiet', '--initial-branch=main', '--template=', dir], { env });
  }
  for (const [key, value] of repoConfig(dir)) await run('git', ['--git-dir', dir, 'config', key, value], { env });
  const hooks = join(dir, 'hooks');
  await mkdir(hooks, { recursive: true });
  const hook = join(hooks, 'pre-receive');
  const current = await readFile(hook, 'utf8').catch(() => null);
  if (current !== PRE_RECEIVE_SCRIPT) await writeFile(hook, PRE_RECEIVE_SCRIPT);
  await chmod(hook, 0o755);
}
