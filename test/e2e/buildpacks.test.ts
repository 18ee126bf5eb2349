/**
 * A custom classic buildpack end to end: `slipway buildpacks:set` (the built CLI, a relative
 * DIR resolved on the client), then `git push slipway main` with real git builds with it
 * (its lines come back as `remote:` lines) and releases; `buildpacks`, `buildpacks:clear`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Release } from '../../platform/api/schemas';
import { cliHome } from '../helpers/cli';
import { gitIn } from '../helpers/git';
import { routerGet, until } from '../helpers/http';

const BUILDPACKS = join(__dirname, '..', 'fixtures', 'buildpacks');

void test('buildpacks:set, then git push slipway main builds with the classic buildpack and releases', async (t) => {
  const cli = cliHome(t);
  const g = gitIn(t, cli);
  const dir = await g.repo();

  assert.equal((await cli.run(['apps:create', 'demo'])).code, 0);
  const none = await cli.run(['buildpacks', '-a', 'demo']);
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stdout, /demo has no custom buildpack/);

  // DIR is relative to where the CLI runs; the platform stores the absolute path.
  const set = await cli.run(['buildpacks:set', 'hello', '-a', 'demo'], { cwd: BUILDPACKS });
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /^Buildpack set\. Next release on demo will use .*\/fixtures\/buildpacks\/hello\.$/m);
  assert.deepEqual(await cli.json(['buildpacks', '-a', 'demo']), { buildpacks: [join(BUILDPACKS, 'hello')] });
  assert.deepEqual(await cli.json<Release[]>(['releases', '-a', 'demo']), [], 'no release for a buildpack change');

  const bad = await cli.run(['buildpacks:set', 'nowhere', '-a', 'demo'], { cwd: BUILDPACKS });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /nowhere: no such directory/);

  assert.equal((await cli.run(['config:set', 'GREETING=ahoy', '-a', 'demo'])).code, 0);
  assert.equal((await cli.run(['git:remote', '-a', 'demo'], { cwd: dir, env: g.env })).code, 0);
  const pushed = await g.git(dir, ['push', 'slipway', 'main']);
  assert.equal(pushed.code, 0, pushed.stderr);
  for (const line of ['remote: -----> Hello app detected', 'remote: -----> Hello buildpack compiling', 'remote:        compiled with ahoy (run 1)', 'remote:        Released v1']) {
    assert.ok(pushed.stderr.includes(line), `push output has "${line}":\n${pushed.stderr}`);
  }
  const releases = await cli.json<Release[]>(['releases', '-a', 'demo']);
  assert.deepEqual(releases.map((r) => [r.version, r.status]), [[1, 'succeeded']]);
  await until('demo to serve its greeting', async () => ((await routerGet(cli.routerUrl(), 'demo')).body === 'ahoy from web.1\n' ? true : undefined), 15000);

  const cleared = await cli.run(['buildpacks:clear', '-a', 'demo']);
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.match(cleared.stdout, /Buildpack cleared\. Next release on demo will use the built-in node or plain step\./);
  assert.deepEqual(await cli.json(['buildpacks', '-a', 'demo']), { buildpacks: [] });
});
