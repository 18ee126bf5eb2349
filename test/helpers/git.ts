/** Real git for the `git push` tests, run as a user would run it. */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { CliHome } from './cli';
import { collect, type ProcessResult } from './process';
import { fixtureCopy, tempDir } from './tmp';

/** git in a directory: a HOME of its own, no system config, never a prompt, a fixed author. */
export function gitIn(t: TestContext, cli: CliHome) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: tempDir(t, 'slipway-git-home-'),
    SLIPWAY_HOME: cli.home,
    SLIPWAY_APP: '',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Slipway Test',
    GIT_AUTHOR_EMAIL: 'test@slipway.invalid',
    GIT_COMMITTER_NAME: 'Slipway Test',
    GIT_COMMITTER_EMAIL: 'test@slipway.invalid',
  };
  const git = (dir: string, args: string[], onStderr?: (text: string) => void): Promise<ProcessResult> => collect('git', args, { cwd: dir, env }, onStderr);
  const ok = async (dir: string, args: string[]) => {
    const r = await git(dir, args);
    assert.equal(r.code, 0, `git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  return {
    env,
    git,
    ok,
    /** A fixture copy as a fresh repository with one commit on main; resolves to its directory. */
    async repo(fixture = 'node-web-worker'): Promise<string> {
      const dir = fixtureCopy(t, fixture);
      await ok(dir, ['init', '-q', '-b', 'main']);
      await ok(dir, ['add', '-A']);
      await ok(dir, ['commit', '-q', '-m', 'first']);
      return dir;
    },
    /** Commits everything in `dir` (or amends the last commit); resolves to the new commit. */
    async commit(dir: string, message: string, amend = false): Promise<string> {
      await ok(dir, ['add', '-A']);
      await ok(dir, ['commit', '-q', '-m', message, ...(amend ? ['--amend'] : [])]);
      return ok(dir, ['rev-parse', 'HEAD']);
    },
  };
}
