/**
 * The pre-receive hook program (`slipway git:hook`, started by the repository's hook script
 * with the environment the platform gave `git http-backend`). git runs it after the pushed
 * objects arrived, still in quarantine (visible to git commands run from here, not to the
 * platform), and before any branch moves. It:
 *   1. refuses what does not deploy (push-policy.ts): the whole push is then declined;
 *   2. checks that the branch is still where the pusher saw it (pushes to an app run one at a
 *      time, so nothing moves it between this check and git's update);
 *   3. checks the pushed commit's tree out into a temporary folder, and
 *   4. deploys that folder through the API as `Deploy <sha7>`, with the commit recorded.
 * Build output goes to stderr line by line, which git shows the pusher as `remote:` lines while
 * the push runs. Exit 0 lets git move the branch; any other status declines the push, so a
 * failed build (or a platform that stopped mid-build) leaves the branch where it was.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ClientError, SlipwayClient } from '../api/client';
import { readHookEnv } from '../shared/git-hook-env';
import { isZeroSha, parseRefUpdates, planPush, type RefUpdate } from '../shared/push-policy';

const run = promisify(execFile);

export interface HookIo {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream;
  /** Where git takes the lines it shows as `remote:`. */
  out: (line: string) => void;
}

const refused = (out: HookIo['out'], lines: string[]) => {
  for (const text of lines) for (const line of text.split('\n')) out(line === '' ? '' : ` !     ${line}`);
};

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  return text;
}

/** The commit the branch points to now, or null when it does not exist yet. */
async function currentSha(ref: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  try {
    const { stdout } = await run('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { env });
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

/** Writes the commit's tree into `dir` (a fresh index of its own; the repository's is untouched). */
async function checkOut(sha: string, dir: string, index: string, env: NodeJS.ProcessEnv): Promise<void> {
  await run('git', ['--work-tree', dir, 'read-tree', '--reset', '-u', sha], { env: { ...env, GIT_INDEX_FILE: index }, maxBuffer: 16 * 1024 * 1024 });
}

export async function runPreReceive(io: HookIo): Promise<number> {
  const { out } = io;
  const hook = readHookEnv(io.env);
  if (!hook) {
    refused(out, ['This repository takes pushes through the Slipway platform only: git push slipway main']);
    return 1;
  }
  const plan = planPush(parseRefUpdates(await readAll(io.stdin)));
  if (plan.refusals.length > 0) {
    refused(out, [...plan.refusals, '', `Push rejected to ${hook.app}.`]);
    return 1;
  }
  const update: RefUpdate | null = plan.deploy;
  if (!update) return 0;

  const now = await currentSha(update.ref, io.env);
  if (now !== (isZeroSha(update.oldSha) ? null : update.oldSha)) {
    refused(out, [`${update.ref.replace('refs/heads/', '')} moved while you pushed (another push landed first): fetch, then push again`, '', `Push rejected to ${hook.app}.`]);
    return 1;
  }

  const tmp = await mkdtemp(join(tmpdir(), 'slipway-push-'));
  try {
    const source = join(tmp, 'source');
    await mkdir(source);
    try {
      await checkOut(update.newSha, source, join(tmp, 'index'), io.env);
    } catch (err) {
      refused(out, [`could not check out ${update.newSha.slice(0, 7)}: ${String((err as { stderr?: string }).stderr ?? (err as Error).message).trim()}`, '', `Push rejected to ${hook.app}.`]);
      return 1;
    }
    const client = new SlipwayClient({ url: hook.url, token: hook.token });
    try {
      await client.deploy(hook.app, source, { commit: update.newSha, onOutput: out });
      return 0;
    } catch (err) {
      const message = err instanceof ClientError ? err.message : `the deploy was interrupted (${(err as Error).message}); did the platform stop? Push again once it runs`;
      refused(out, [message, '', `Push rejected to ${hook.app}.`]);
      return 1;
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
