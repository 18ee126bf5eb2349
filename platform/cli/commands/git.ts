/**
 * git:remote, git:credential, and git:hook (the pre-receive hook program; git runs it, people
 * do not). `git push slipway main` then builds and releases through the platform's git remote.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { credentialAnswer, isPlatformRequest, parseCredentialRequest } from '../git-credential';
import { runPreReceive } from '../git-hook';
import { homePaths, resolveHome } from '../../discovery/home';
import { readToken } from '../../discovery/token';
import type { Command } from '../command';
import { connect, runningPlatform } from '../connect';
import { CliError } from '../errors';

const execGit = promisify(execFile);

async function git(args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execGit('git', args, { encoding: 'utf8' });
    return { ok: true, stdout, stderr };
  } catch (err) {
    const e = err as { code?: string | number; stdout?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') throw new CliError('git_missing', 'git is not installed (or not on the PATH); install git and try again');
    return { ok: false, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}

async function mustGit(args: string[]): Promise<string> {
  const r = await git(args);
  if (!r.ok) throw new CliError('git_failed', `git ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** This CLI as git should run it: the bundle's own file (dist/cli.js), else the script node was given. */
function cliPath(): string {
  const bundled = join(__dirname, 'cli.js');
  return existsSync(bundled) ? bundled : resolve(process.argv[1] ?? 'slipway');
}

/**
 * The credential helper for the remote's URL. git runs a `!` helper through the shell with the
 * action appended; only `get` has anything to do, so the others end in the shell without
 * starting node (git calls `store` on every successful push, on the push's critical path).
 */
export function credentialHelper(node = process.execPath, cli = cliPath()): string {
  return `!f() { test "$1" = get || exit 0; exec ${shellQuote(node)} ${shellQuote(cli)} git:credential get; }; f`;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  let text = '';
  for await (const chunk of process.stdin) text += (chunk as Buffer).toString('utf8');
  return text;
}

export const gitCommands: Command[] = [
  {
    name: 'git:remote',
    usage: 'git:remote [-r REMOTE] -a APP',
    summary: 'add or update the git remote (default "slipway") of this repository: then git push slipway main',
    options: { remote: { type: 'string', short: 'r' } },
    async run(inv) {
      const remote = typeof inv.values.remote === 'string' ? inv.values.remote : 'slipway';
      const inside = await git(['rev-parse', '--git-dir']);
      if (!inside.ok) {
        throw new CliError('not_a_git_repository', `${process.cwd()} is not inside a git repository; run git init (and commit) first, then: slipway git:remote -a APP`);
      }
      const app = inv.app();
      const { client, info } = await connect({ autoStart: true });
      await client.app(app);
      const url = `${info.url}/git/${app}.git`;

      const before = await git(['remote', 'get-url', remote]);
      const previous = before.ok ? before.stdout.trim() : null;
      if (previous === null) await mustGit(['remote', 'add', remote, url]);
      else if (previous !== url) await mustGit(['remote', 'set-url', remote, url]);
      if (previous !== null && previous !== url && /\/git\/[a-z][a-z0-9-]{1,29}\.git$/.test(previous)) {
        await git(['config', '--local', '--remove-section', `credential.${previous}`]);
      }
      // The empty entry first resets the helpers git found in other config files for this URL
      // (a global `store` helper would otherwise write the token to disk).
      await mustGit(['config', '--local', '--replace-all', `credential.${url}.helper`, '']);
      await mustGit(['config', '--local', '--add', `credential.${url}.helper`, credentialHelper()]);

      const verb = previous === null ? 'added' : previous === url ? 'is up to date' : 'updated';
      inv.print({ remote, url }, `Git remote ${remote} ${verb}: ${url}\nDeploy with: git push ${remote} main`);
    },
  },
  {
    name: 'git:credential',
    usage: 'git:credential get|store|erase',
    summary: 'git credential helper (git:remote configures it): answers git with the platform token',
    args: [1, 1],
    async run(inv) {
      const request = parseCredentialRequest(await readStdin());
      if (inv.positionals[0] !== 'get') return 0; // nothing is stored: the token lives in $SLIPWAY_HOME
      const paths = homePaths(resolveHome());
      const platform = runningPlatform(paths);
      if (!platform || !isPlatformRequest(request, platform.url)) return 0;
      let token: string;
      try {
        token = readToken(paths.token);
      } catch {
        return 0;
      }
      process.stdout.write(credentialAnswer(token));
      return 0;
    },
  },
  {
    name: 'git:hook',
    usage: 'git:hook',
    hidden: true,
    summary: '(internal) the pre-receive hook of app repositories: git runs it during a push',
    async run() {
      // git may stop listening (the pusher went away): output is then lost, never fatal.
      process.stderr.on('error', () => undefined);
      return runPreReceive({ env: process.env, stdin: process.stdin, out: (line) => process.stderr.write(`${line}\n`) });
    },
  },
];
