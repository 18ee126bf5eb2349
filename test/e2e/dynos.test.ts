/**
 * Dynos, router and logs end to end: the CLI starts a real platform; deployed apps run as real
 * processes and answer through the router. Waits poll the real state (ps, HTTP), never sleep.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Dyno, LogLine, Release } from '../../platform/api/schemas';
import { pidAlive, readPlatformFile } from '../../platform/discovery/platform-file';
import { findNginx } from '../../platform/router/engine';
import { cliHome } from '../helpers/cli';
import { routerGet, until } from '../helpers/http';
import { fixtureCopy } from '../helpers/tmp';

const upWeb = (dynos: Dyno[]) => dynos.filter((d) => d.type === 'web' && d.state === 'up');

void test('deploy → served by the router; scale web=3 answers in turn; logs show router lines and worker ticks', async (t) => {
  const cli = cliHome(t, { stopGraceS: 2 });
  await cli.run(['apps:create', 'demo']);
  const dir = fixtureCopy(t, 'node-web-worker');
  const d = await cli.run(['deploy', dir, '-a', 'demo']);
  assert.equal(d.code, 0, d.stderr);
  const client = cli.client();
  const first = await until('the web dyno to answer', async () => {
    const r = await routerGet(cli.routerUrl(), 'demo');
    return r.status === 200 ? r : undefined;
  });
  assert.equal(first.body, 'hello from web.1\n');
  assert.match(String(first.headers['x-request-id']), /.+/);

  const scaled = await cli.run(['ps:scale', 'web=3', 'worker+1', '-a', 'demo']);
  assert.equal(scaled.code, 0, scaled.stderr);
  assert.deepEqual(await cli.json(['ps:scale', '-a', 'demo']), { web: 3, worker: 1 });
  await until('three web dynos up', async () => (upWeb(await client.dynos('demo')).length === 3 ? true : undefined));
  // Up in ps, then in the router's routes (the nginx engine reloads on the dyno's event): wait
  // until a round of six requests reaches all three.
  const bodies = await until('the router to answer from all three web dynos', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add((await routerGet(cli.routerUrl(), 'demo')).body);
    return seen.size === 3 ? seen : undefined;
  });
  assert.deepEqual([...bodies].sort(), ['hello from web.1\n', 'hello from web.2\n', 'hello from web.3\n']);

  const ps = await cli.json<Dyno[]>(['ps', '-a', 'demo']);
  assert.deepEqual(ps.map((x) => x.name), ['web.1', 'web.2', 'web.3', 'worker.1']);
  assert.ok(ps.every((x) => x.release === 1 && typeof x.sandboxed === 'boolean'));

  // config:set restarts the dynos on the new release, and the app sees the var.
  assert.equal((await cli.run(['config:set', 'GREETING=hi', '-a', 'demo'])).code, 0);
  await until('the new release to serve', async () => ((await routerGet(cli.routerUrl(), 'demo')).body.startsWith('hi from') ? true : undefined));

  await until('worker ticks and router lines in the log', async () => {
    const lines = await cli.json<LogLine[]>(['logs', '-n', '500', '-a', 'demo']);
    const tick = lines.some((l) => l.source === 'app' && l.dyno === 'worker.1' && /^tick \d+/.test(l.message));
    const router = lines.some((l) => l.source === 'slipway' && l.dyno === 'router' && /at=info method=GET path="\/" host=demo\.localhost.* dyno=web\.\d .*status=200/.test(l.message));
    return tick && router ? true : undefined;
  });
  const text = await cli.run(['logs', '-n', '50', '--ps', 'worker', '-a', 'demo']);
  assert.match(text.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00 app\[worker\.1\]: tick \d+$/m);

  // run: a one-off dyno whose exit status is the command's.
  const run = await cli.run(['run', '-a', 'demo', '--', 'echo from-$DYNO; exit 7']);
  assert.equal(run.code, 7, run.stderr);
  assert.match(run.stdout, /^from-run\.\d+$/m);

  // Bad input: unknown type, release, negative, run without a command.
  const unknown = await cli.run(['ps:scale', 'clock=1', '-a', 'demo']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no process type "clock"; its process types are web, worker/);
  assert.match((await cli.run(['ps:scale', 'web-9', '-a', 'demo'])).stderr, /least is 0/);
  assert.equal((await cli.run(['run', '-a', 'demo'])).code, 1);
});

void test('crash-loop shows its back-off in ps; a failing release phase blocks the release', async (t) => {
  const cli = cliHome(t, { stopGraceS: 1 });
  await cli.run(['apps:create', 'crashy']);
  assert.equal((await cli.run(['deploy', fixtureCopy(t, 'crash-loop'), '-a', 'crashy'])).code, 0);
  const client = cli.client();
  const crashed = await until('a back-off after repeated crashes', async () => {
    const web = (await client.dynos('crashy')).find((x) => x.name === 'web.1');
    return web && web.state === 'crashed' && web.restarts >= 1 && web.nextRestartAt ? web : undefined;
  });
  assert.ok(Date.parse(crashed.nextRestartAt ?? '') > Date.now() + 1000, 'the next restart waits (10 s after the second crash)');
  const psText = await cli.run(['ps', '-a', 'crashy']);
  assert.match(psText.stdout, /web\.1: +crashed \(restart in \d+s\)/);
  const h10 = await routerGet(cli.routerUrl(), 'crashy');
  assert.equal(h10.status, 503);

  await cli.run(['apps:create', 'gated']);
  assert.equal((await cli.run(['deploy', fixtureCopy(t, 'release-phase'), '-a', 'gated'])).code, 0);
  const failing = await cli.run(['deploy', fixtureCopy(t, 'release-fails'), '-a', 'gated']);
  assert.equal(failing.code, 1);
  assert.match(failing.stderr, /migration failed/);
  assert.match(failing.stderr, /v2 is marked failed and v1 stays current/);
  const releases = await cli.json<Release[]>(['releases', '-a', 'gated']);
  assert.deepEqual(releases.map((r) => [r.version, r.status, r.current]), [[2, 'failed', false], [1, 'succeeded', true]]);
});

void test('kill -9 of the platform: a restart leaves no dyno of the old run and runs the formation again', async (t) => {
  const cli = cliHome(t, { stopGraceS: 1 });
  await cli.run(['apps:create', 'phoenix']);
  assert.equal((await cli.run(['deploy', fixtureCopy(t, 'node-web-worker'), '-a', 'phoenix'])).code, 0);
  await cli.run(['ps:scale', 'web=2', 'worker=1', '-a', 'phoenix']);
  const before = await until('all dynos up', async () => {
    const ds = await cli.client().dynos('phoenix');
    return ds.length === 3 && ds.every((x) => x.state === 'up') ? ds : undefined;
  });
  const info = readPlatformFile(join(cli.home, 'platform.json'));
  assert.ok(info);
  // The nginx engine's nginx must not outlive the platform either (its watchdog stops it).
  const engine = (await cli.client().status()).routerEngine;
  assert.equal(engine, findNginx() ? 'nginx' : 'node', 'routerEngine "auto" picks nginx where it is installed');
  const nginxMaster = engine === 'nginx' ? Number(readFileSync(join(cli.home, 'router', 'nginx.pid'), 'utf8')) : null;
  process.kill(info.pid, 'SIGKILL');
  await until('the platform to die', () => Promise.resolve(pidAlive(info.pid) ? undefined : true));
  if (nginxMaster !== null) {
    assert.ok(nginxMaster > 1);
    await until(`the router's nginx (pid ${nginxMaster}) to stop with the platform`, () => Promise.resolve(pidAlive(nginxMaster) ? undefined : true), 10000);
  }

  const after = await until('the formation to run again', async () => {
    const ds = await cli.json<Dyno[]>(['ps', '-a', 'phoenix']);
    return ds.length === 3 && ds.every((x) => x.state === 'up') ? ds : undefined;
  });
  for (const old of before) {
    assert.ok(old.pid !== null && !pidAlive(old.pid), `old ${old.name} (pid ${old.pid}) is gone`);
    // Killed processes can linger a moment as zombies until reaped (pidAlive counts those as
    // gone): wait for the group to hold no live process; one that survived never leaves it.
    await until(`no live process left in ${old.name}'s group ${old.pid}`, () => {
      const pgrep = spawnSync('pgrep', ['-g', String(old.pid)], { encoding: 'utf8' });
      const live = pgrep.stdout.split(/\s+/).filter(Boolean).map(Number).filter(pidAlive);
      return Promise.resolve(live.length === 0 ? true : undefined);
    }, 10000);
  }
  assert.ok(after.every((x) => !before.some((b) => b.pid === x.pid)));
  // up in ps comes a moment before the nginx engine has reloaded its routes
  const served = await until('the router to serve the formation again', async () => {
    const r = await routerGet(cli.routerUrl(), 'phoenix');
    return r.status === 200 ? r : undefined;
  });
  assert.equal(served.status, 200);
});
