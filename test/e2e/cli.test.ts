/**
 * The `slipway` CLI end to end: the built dist/cli.js as a child process, a platform it starts
 * in the background on free ports, real LevelDB, real slugs read back with GNU tar.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { App, Release, ReleaseInfo } from '../../platform/api/schemas';
import { pidAlive, readPlatformFile } from '../../platform/discovery/platform-file';
import { cliHome, deployUntil } from '../helpers/cli';
import { fixtureCopy, ROOT } from '../helpers/tmp';

void test('the new-user path: create, deploy, config:set, rollback, releases', async (t) => {
  const cli = cliHome(t);
  const app = fixtureCopy(t, 'node-web-worker');

  const created = await cli.run(['apps:create', 'demo']);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stderr, /Starting the Slipway platform… done/);
  assert.match(created.stdout, /Created demo: http:\/\/demo\.localhost:\d+\//);

  const deployed = await cli.run(['deploy', app, '-a', 'demo']);
  assert.equal(deployed.code, 0, deployed.stderr);
  for (const line of ['-----> Building on the Slipway stack', '-----> Node.js app detected', 'Procfile declares types -> web, worker', '-----> Compiled slug size is', '-----> Launching...', '       Released v1']) {
    assert.ok(deployed.stderr.includes(line), `build output has "${line}":\n${deployed.stderr}`);
  }

  const set = await cli.run(['config:set', 'GREETING=hi', '-a', 'demo']);
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /v2/);

  const rolled = await cli.run(['rollback', 'v1', '-a', 'demo']);
  assert.equal(rolled.code, 0, rolled.stderr);
  assert.match(rolled.stdout, /Rolled back demo to v1: created v3/);
  assert.match(rolled.stdout, /removed GREETING/);
  assert.match(rolled.stdout, /To undo: slipway rollback v2 -a demo/);

  const releases = await cli.json<Release[]>(['releases', '-a', 'demo']);
  assert.deepEqual(releases.map((r) => [r.version, r.description, r.current, r.status]), [
    [3, 'Rollback to v1', true, 'succeeded'],
    [2, 'Set GREETING config vars', false, 'succeeded'],
    [1, `Deploy ${releases[2].slug.id.slice(0, 7)}`, false, 'succeeded'],
  ]);
  assert.equal(releases[0].slug.id, releases[2].slug.id, 'the rollback uses v1 slug');
  assert.match(releases[0].createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

  const v3 = await cli.json<ReleaseInfo>(['releases:info', 'v3', '-a', 'demo']);
  assert.deepEqual(v3.config, {}, "v3 has v1's config (no GREETING)");
  const v2 = await cli.json<ReleaseInfo>(['releases:info', '2', '-a', 'demo']);
  assert.deepEqual(v2.config, { GREETING: 'hi' });
  assert.deepEqual(Object.keys(v2.processTypes).sort(), ['web', 'worker']);

  const info = await cli.json<App>(['apps:info', '-a', 'demo']);
  assert.equal(info.currentRelease, 3);
  assert.deepEqual(info.formation, { web: 1, worker: 0 });

  // The slug on disk is a gzip'd tar that GNU tar reads, without what .slugignore drops.
  const slug = join(cli.home, 'slugs', `${releases[0].slug.id}.tar.gz`);
  const listing = execFileSync('tar', ['-tzf', slug], { encoding: 'utf8' });
  assert.match(listing, /server\.js/);
  assert.doesNotMatch(listing, /design\.psd|test\/assets/);

  const files = await cli.json<string[]>(['slug:files', app]);
  assert.ok(files.includes('Procfile') && files.includes('lib/greeting.js'));
  assert.ok(!files.some((f) => f.startsWith('test/') || f === 'design.psd'), files.join(','));
  assert.deepEqual(files, [...files].sort());
});

void test('procfile:check prints file:line diagnostics with codes and exits 1 on errors', async (t) => {
  const cli = cliHome(t);
  const dir = fixtureCopy(t, 'node-web-worker');
  writeFileSync(join(dir, 'Procfile'), 'web:node server.js\nbad name: x\nworker\nweb: again\nclock: \n');
  const r = await cli.run(['procfile:check', join(dir, 'Procfile')]);
  assert.equal(r.code, 1);
  const json = await cli.run(['procfile:check', join(dir, 'Procfile'), '--json']);
  assert.equal(json.code, 1);
  const parsed = JSON.parse(json.stdout) as { diagnostics: { code: string; line: number }[] };
  const codes = parsed.diagnostics.map((d) => `${d.line}:${d.code}`);
  for (const expected of ['1:PF101', '2:PF002', '3:PF001', '4:PF004', '5:PF003']) assert.ok(codes.includes(expected), `${expected} in ${codes.join(' ')}`);
  assert.match(r.stdout, /Procfile:2:1: error PF002/);
  assert.equal(readPlatformFile(join(cli.home, 'platform.json')), null, 'local commands need no platform');

  const good = await cli.run(['procfile:check'], { cwd: fixtureCopy(t, 'node-web-worker') });
  assert.equal(good.code, 0, good.stdout + good.stderr);
  assert.match(good.stdout, /declares types -> web, worker/);
});

void test('bad input: one clear message, exit 1 or 2, never a stack trace, nothing lost', async (t) => {
  const cli = cliHome(t);
  const expectFail = async (args: string[], code: number, message: RegExp) => {
    const r = await cli.run(args);
    assert.equal(r.code, code, `slipway ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  };
  await expectFail(['nonsense'], 2, /not a slipway command/);
  await expectFail(['apps', '--bogus'], 2, /Unknown option '--bogus'/);
  await expectFail(['releases:info'], 2, /missing argument/);
  await expectFail(['apps:create', 'Bad_Name'], 1, /not a valid app name/);
  await expectFail(['releases'], 1, /no app given: pass -a NAME/);
  await expectFail(['releases', '-a', 'ghost'], 1, /no app named "ghost"/);

  assert.equal((await cli.run(['apps:create', 'demo'])).code, 0);
  await expectFail(['deploy', join(cli.home, 'nowhere'), '-a', 'demo'], 1, /no such directory/);
  const broken = fixtureCopy(t, 'node-web-worker');
  writeFileSync(join(broken, 'Procfile'), 'web node server.js\n');
  await expectFail(['deploy', broken, '-a', 'demo'], 1, /Procfile:1:\d+: error PF001/);
  assert.deepEqual(await cli.json(['releases', '-a', 'demo']), [], 'a failed build makes no release');
  assert.deepEqual(readdirSync(join(cli.home, 'slugs')), [], 'and leaves no slug');

  await expectFail(['releases:info', 'v9', '-a', 'demo'], 1, /has no release v9/);
  await expectFail(['releases:info', 'vX', '-a', 'demo'], 1, /not a release version/);
  await expectFail(['config:set', '1X=2', '-a', 'demo'], 1, /not a valid config var name/);
  await expectFail(['config:set', 'NOEQUALS', '-a', 'demo'], 1, /is not KEY=VALUE/);
  await expectFail(['apps:destroy', 'demo'], 1, /--confirm demo/);

  const jsonErr = await cli.run(['releases', '-a', 'ghost', '--json']);
  assert.equal(jsonErr.code, 1);
  assert.equal((JSON.parse(jsonErr.stdout) as { error: { code: string } }).error.code, 'app_not_found');

  // .slugignore `!` lines are a warning in the build output, and the deploy goes on.
  const neg = fixtureCopy(t, 'node-web-worker');
  appendFileSync(join(neg, '.slugignore'), '!design.psd\n');
  const d = await cli.run(['deploy', neg, '-a', 'demo']);
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stderr, /SI001/);

  // A wrong token gets a clear refusal.
  writeFileSync(join(cli.home, 'token'), 'a'.repeat(64) + '\n');
  await expectFail(['apps'], 1, /token is wrong/);
});

void test('the platform keeps its state across a restart and stops gracefully', async (t) => {
  const cli = cliHome(t);
  await cli.run(['apps:create', 'keep']);
  await cli.run(['config:set', 'A=1', '-a', 'keep']);
  const before = readPlatformFile(join(cli.home, 'platform.json'));
  assert.ok(before);
  const stop = await cli.run(['platform:stop']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.equal(pidAlive(before.pid), false);
  assert.equal(readPlatformFile(join(cli.home, 'platform.json')), null, 'platform.json is removed on a graceful stop');
  const status = await cli.json<{ running: boolean }>(['platform:status']);
  assert.equal(status.running, false);

  const started = await cli.run(['platform:start', '--detach']);
  assert.equal(started.code, 0, started.stderr);
  assert.deepEqual(await cli.json(['config', '-a', 'keep']), { A: '1' });
  const s = await cli.json<{ running: boolean; pid: number }>(['platform:status']);
  assert.equal(s.running, true);
  assert.notEqual(s.pid, before.pid);
});

void test('kill -9 in the middle of a deploy: releases stay contiguous, the last is complete, no orphan slug', async (t) => {
  const cli = cliHome(t);
  const dir = fixtureCopy(t, 'static-site');
  execFileSync(process.execPath, [join(ROOT, 'test', 'fixtures', 'make-tree.js'), join(dir, 'big'), '--files', '3000', '--mb', '60'], { stdio: 'ignore' });
  await cli.run(['apps:create', 'crashy']);
  const first = await cli.run(['deploy', fixtureCopy(t, 'static-site'), '-a', 'crashy']);
  assert.equal(first.code, 0, first.stderr);
  await cli.run(['config:set', 'X=1', '-a', 'crashy']);

  // Start a long deploy and kill the platform -9 once compression has begun.
  const child = await deployUntil(cli.home, dir, 'crashy', 'Compressing');
  const info = readPlatformFile(join(cli.home, 'platform.json'));
  assert.ok(info);
  process.kill(info.pid, 'SIGKILL');
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  assert.equal(code, 1, 'the interrupted deploy fails');

  // The next command starts a fresh platform (platform.json names a dead pid).
  const releases = await cli.json<Release[]>(['releases', '-a', 'crashy']);
  assert.deepEqual(releases.map((r) => r.version), [2, 1]);
  assert.equal(releases[0].current, true);
  const slugs = readdirSync(join(cli.home, 'slugs'));
  assert.deepEqual(slugs, [`${releases[0].slug.id}.tar.gz`], 'only the referenced slug is left');
  const again = await cli.run(['deploy', dir, '-a', 'crashy']);
  assert.equal(again.code, 0, again.stderr);
  const after = await cli.json<Release[]>(['releases', '-a', 'crashy']);
  assert.deepEqual(after.map((r) => r.version), [3, 2, 1]);
  assert.deepEqual(await cli.json(['releases:info', 'v3', '-a', 'crashy']).then((r) => (r as ReleaseInfo).config), { X: '1' });
});

void test('a deploy whose caller goes away before the release is cancelled: no release, no slug left', async (t) => {
  const cli = cliHome(t);
  const dir = fixtureCopy(t, 'static-site');
  execFileSync(process.execPath, [join(ROOT, 'test', 'fixtures', 'make-tree.js'), join(dir, 'big'), '--files', '3000', '--mb', '60'], { stdio: 'ignore' });
  await cli.run(['apps:create', 'quitter']);
  assert.equal((await cli.run(['deploy', fixtureCopy(t, 'static-site'), '-a', 'quitter'])).code, 0);
  const child = await deployUntil(cli.home, dir, 'quitter', 'Compressing');
  child.kill('SIGKILL');
  // config:set waits for the app's lock, so it runs once the cancelled deploy has given up.
  assert.equal((await cli.run(['config:set', 'AFTER=1', '-a', 'quitter'])).code, 0);
  const releases = await cli.json<Release[]>(['releases', '-a', 'quitter']);
  assert.deepEqual(releases.map((r) => r.description.replace(/[0-9a-f]{7}$/, 'SHA')), ['Set AFTER config vars', 'Deploy SHA']);
  assert.deepEqual(readdirSync(join(cli.home, 'slugs')), [`${releases[1].slug.id}.tar.gz`]);
});
