/**
 * `git push slipway main` end to end, with real git as the client: a fixture copy made a git
 * repository, `slipway git:remote` (the built CLI), pushes over smart HTTP to the platform's
 * `git http-backend`, the pre-receive hook building and releasing, the router serving the result.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Release } from '../../platform/api/schemas';
import { readPlatformFile } from '../../platform/discovery/platform-file';
import { CLI, cliHome, type CliHome } from '../helpers/cli';
import { gitIn } from '../helpers/git';
import { routerGet, until } from '../helpers/http';
import { tempDir } from '../helpers/tmp';

const greet = (dir: string, word: string) => writeFileSync(join(dir, 'lib', 'greeting.js'), `exports.greeting = () => process.env.GREETING || '${word}';\n`);

async function served(cli: CliHome, app: string, body: string): Promise<void> {
  await until(`${app} to serve "${body.trim()}"`, async () => ((await routerGet(cli.routerUrl(), app)).body === body ? true : undefined), 15000);
}

void test('git push slipway main builds and releases the commit; refusals, a broken commit, a force push', async (t) => {
  const cli = cliHome(t);
  const g = gitIn(t, cli);
  const dir = await g.repo();
  const sha = await g.ok(dir, ['rev-parse', 'HEAD']);

  assert.equal((await cli.run(['apps:create', 'demo'])).code, 0);
  const added = await cli.run(['git:remote', '-a', 'demo'], { cwd: dir, env: g.env });
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /^Git remote slipway added: http:\/\/127\.0\.0\.1:\d+\/git\/demo\.git$/m);
  const again = await cli.run(['git:remote', '-a', 'demo', '--json'], { cwd: dir, env: g.env });
  const remote = JSON.parse(again.stdout) as { remote: string; url: string };
  assert.deepEqual(remote, { remote: 'slipway', url: `${readPlatformFile(join(cli.home, 'platform.json'))?.url}/git/demo.git` });
  const config = readFileSync(join(dir, '.git', 'config'), 'utf8');
  assert.ok(!config.includes(readFileSync(join(cli.home, 'token'), 'utf8').trim()), 'the token is not in .git/config');
  assert.match(config, /git:credential/);

  const pushed = await g.git(dir, ['push', 'slipway', 'main']);
  assert.equal(pushed.code, 0, pushed.stderr);
  for (const line of ['remote: -----> Building on the Slipway stack', 'remote:        Procfile declares types -> web, worker', 'remote:        Released v1', ' * [new branch]      main -> main']) {
    assert.ok(pushed.stderr.includes(line), `push output has "${line}":\n${pushed.stderr}`);
  }
  let releases = await cli.json<Release[]>(['releases', '-a', 'demo']);
  assert.deepEqual(releases.map((r) => [r.version, r.description, r.commit, r.status]), [[1, `Deploy ${sha.slice(0, 7)}`, sha, 'succeeded']]);
  await served(cli, 'demo', 'hello from web.1\n');

  // Another branch is refused with the way to deploy, and moves nothing.
  const other = await g.git(dir, ['push', 'slipway', 'main:feature']);
  assert.notEqual(other.code, 0);
  assert.match(other.stderr, /remote: {2}! {5}feature: only main or master deploy; push with: git push slipway HEAD:main/);
  assert.match(other.stderr, /! \[remote rejected\] main -> feature \(pre-receive hook declined\)/);

  // A broken Procfile: the push is rejected with file:line and the reason, no release, the branch stays.
  writeFileSync(join(dir, 'Procfile'), 'web: node server.js\nbad name: node worker.js\n');
  await g.commit(dir, 'broken Procfile');
  const broken = await g.git(dir, ['push', 'slipway', 'main']);
  assert.notEqual(broken.code, 0);
  assert.match(broken.stderr, /remote: {2}! {5}Procfile:2:1: error PF002/);
  assert.match(broken.stderr, /! \[remote rejected\] main -> main \(pre-receive hook declined\)/);
  assert.equal((await cli.json<Release[]>(['releases', '-a', 'demo'])).length, 1);
  assert.equal((await g.ok(dir, ['ls-remote', 'slipway', 'refs/heads/main'])).split('\t')[0], sha);

  // A force push (the deployed commit rewritten: not a fast-forward) deploys.
  await g.ok(dir, ['reset', '-q', '--hard', sha]);
  greet(dir, 'ahoy');
  const forced = await g.commit(dir, 'fixed', true);
  const force = await g.git(dir, ['push', '--force', 'slipway', 'main']);
  assert.equal(force.code, 0, force.stderr);
  assert.match(force.stderr, /remote: {8}Released v2/);
  assert.match(force.stderr, /\+ [0-9a-f]+\.\.\.[0-9a-f]+ main -> main \(forced update\)/);
  releases = await cli.json<Release[]>(['releases', '-a', 'demo']);
  assert.deepEqual([releases[0].version, releases[0].description, releases[0].commit], [2, `Deploy ${forced.slice(0, 7)}`, forced]);
  await served(cli, 'demo', 'ahoy from web.1\n');

  // No Procfile and no start script: the build's warning reaches the push output.
  rmSync(join(dir, 'Procfile'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bare', version: '1.0.0', private: true }) + '\n');
  await g.commit(dir, 'nothing to run');
  const bare = await g.git(dir, ['push', 'slipway', 'main']);
  assert.equal(bare.code, 0, bare.stderr);
  assert.match(bare.stderr, /remote: {2}! {5}No Procfile and no start script in package\.json, so there is nothing to run/);
});

void test('two pushes to one app at the same time are built one after the other', async (t) => {
  const cli = cliHome(t);
  const g = gitIn(t, cli);
  const a = await g.repo();
  const b = await g.repo();
  greet(b, 'hi');
  const bSha = await g.commit(b, 'b');
  const aSha = await g.ok(a, ['rev-parse', 'HEAD']);
  assert.equal((await cli.run(['apps:create', 'twice'])).code, 0);
  for (const dir of [a, b]) assert.equal((await cli.run(['git:remote', '-a', 'twice'], { cwd: dir, env: g.env })).code, 0);

  const [pa, pb] = await Promise.all([g.git(a, ['push', 'slipway', 'main']), g.git(b, ['push', 'slipway', 'HEAD:master'])]);
  assert.equal(pa.code, 0, pa.stderr);
  assert.equal(pb.code, 0, pb.stderr);
  const releases = await cli.json<Release[]>(['releases', '-a', 'twice']);
  assert.deepEqual(releases.map((r) => r.version), [2, 1]);
  assert.deepEqual(releases.map((r) => r.commit).sort(), [aSha, bSha].sort());
  assert.ok(releases.every((r) => r.status === 'succeeded'));
  // Each push's output is its own build, whole (one ran after the other).
  for (const out of [pa.stderr, pb.stderr]) assert.equal(out.match(/-----> Building on the Slipway stack/g)?.length, 1);
});

void test('faults: outside a repository, an unknown app, a wrong token, a build killed by a platform restart', async (t) => {
  const cli = cliHome(t);
  const g = gitIn(t, cli);

  const outside = await cli.run(['git:remote', '-a', 'demo'], { cwd: tempDir(t), env: g.env });
  assert.equal(outside.code, 1);
  assert.match(outside.stderr, /is not inside a git repository; run git init/);

  const dir = await g.repo();
  const sha = await g.ok(dir, ['rev-parse', 'HEAD']);
  assert.equal((await cli.run(['apps:create', 'gone'])).code, 0);
  const noApp = await cli.run(['git:remote', '-a', 'nope'], { cwd: dir, env: g.env });
  assert.equal(noApp.code, 1);
  assert.match(noApp.stderr, /no app named "nope"/);

  // An app that went away: git shows the platform's message.
  assert.equal((await cli.run(['git:remote', '-a', 'gone'], { cwd: dir, env: g.env })).code, 0);
  assert.equal((await cli.run(['apps:destroy', 'gone', '--confirm', 'gone'])).code, 0);
  const unknown = await g.git(dir, ['push', 'slipway', 'main']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /remote: no app named "gone"; create it with: slipway apps:create gone/);

  // A wrong token: git reports the authentication failure (and never prompts).
  assert.equal((await cli.run(['apps:create', 'slow'])).code, 0);
  const url = `${readPlatformFile(join(cli.home, 'platform.json'))?.url}/git/slow.git`;
  const wrong = await g.git(dir, ['push', url.replace('http://', 'http://slipway:wrong-token@'), 'main']);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /Authentication failed/);

  // The credential helper answers for this platform only.
  const ask = (host: string) =>
    spawnSync(process.execPath, [CLI, 'git:credential', 'get'], { input: `protocol=http\nhost=${host}\npath=git/slow.git\n\n`, env: { ...g.env }, encoding: 'utf8' });
  assert.equal(ask(new URL(url).host).stdout, `username=slipway\npassword=${readFileSync(join(cli.home, 'token'), 'utf8').trim()}\n`);
  assert.equal(ask('example.com').stdout, '');

  // A build killed by a platform restart (kill -9 mid-build): no release, the branch stays, the next push works.
  assert.equal((await cli.run(['git:remote', '-a', 'slow'], { cwd: dir, env: g.env })).code, 0);
  assert.equal((await g.git(dir, ['push', 'slipway', 'main'])).code, 0);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  // Prints, then keeps printing (so it dies of the closed pipe once the platform is gone), 30 s at most.
  pkg.scripts.postinstall = `node -e "console.log('slow build started'); setInterval(() => console.log('still building'), 100); setTimeout(() => process.exit(1), 30000)"`;
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  const slowSha = await g.commit(dir, 'slow build');
  const pid = readPlatformFile(join(cli.home, 'platform.json'))?.pid;
  assert.ok(pid);
  let killed = false;
  const killedPush = await g.git(dir, ['push', 'slipway', 'main'], (stderr) => {
    if (!killed && stderr.includes('slow build started')) {
      killed = true;
      process.kill(pid, 'SIGKILL');
    }
  });
  assert.ok(killed, `the build started:\n${killedPush.stderr}`);
  assert.notEqual(killedPush.code, 0);
  const bare = join(cli.home, 'apps', 'slow', 'repo.git');
  assert.equal(spawnSync('git', ['--git-dir', bare, 'rev-parse', 'refs/heads/main'], { encoding: 'utf8' }).stdout.trim(), sha);

  // The platform starts again (on new ports here: git:remote updates the remote), and the next push works.
  const readded = await cli.run(['git:remote', '-a', 'slow'], { cwd: dir, env: g.env });
  assert.equal(readded.code, 0, readded.stderr);
  assert.match(readded.stdout, /Git remote slipway updated: /);
  delete pkg.scripts.postinstall;
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  greet(dir, 'back');
  const fixed = await g.commit(dir, 'fast again');
  const next = await g.git(dir, ['push', 'slipway', 'main']);
  assert.equal(next.code, 0, next.stderr);
  assert.match(next.stderr, /remote: {8}Released v2/);
  const releases = await cli.json<Release[]>(['releases', '-a', 'slow']);
  assert.deepEqual(releases.map((r) => [r.version, r.commit, r.status]), [[2, fixed, 'succeeded'], [1, sha, 'succeeded']]);
  assert.ok(!releases.some((r) => r.commit === slowSha));
  await served(cli, 'slow', 'back from web.1\n');
});
