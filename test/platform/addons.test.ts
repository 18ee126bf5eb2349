/**
 * Add-ons against real servers started by the platform under test: PostgreSQL (the home's
 * cluster) and Redis, the fixture app reading rows and keys through DATABASE_URL / REDIS_URL
 * over the router, Attach/Detach releases, backups, data-safe rollback, a half-failed release
 * phase undone by its before-release backup, and the bad input of issue #10.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { ClientError, type SlipwayClient } from '../../platform/api/client';
import { build } from '../../platform/app';
import { startPlatform } from '../helpers/platform';
import { until } from '../helpers/http';
import { fixtureCopy } from '../helpers/tmp';

function routerCall(routerUrl: string, app: string, method: string, path: string): Promise<{ status: number; body: string; release: string }> {
  const u = new URL(routerUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method, headers: { host: `${app}.localhost:${u.port}` }, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, release: String(res.headers['x-release']) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Through the router, answered by a dyno of `release` (default: any): a 503 while the routes
 * move, or an answer from the previous release's dyno still draining, is retried (the requests
 * made here are idempotent where they can land on an old dyno).
 */
const call = (routerUrl: string, app: string, method: string, path: string, release?: number) =>
  until(`${method} ${path} to reach a dyno${release ? ` of v${release}` : ''}`, async () => {
    const r = await routerCall(routerUrl, app, method, path);
    return r.status === 503 || (release !== undefined && r.release !== `v${release}`) ? undefined : r;
  });

const psql = (url: string, sql: string) => execFileSync('psql', ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql, url], { encoding: 'utf8' }).trim();

async function rejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<ClientError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ClientError, String(err));
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    assert.ok(err.status !== null && err.status >= 400 && err.status < 500, `status ${err.status}`);
    return err;
  }
  throw new Error(`expected ${code}`);
}

async function deployMigration(client: SlipwayClient, dir: string, app: string, migration: string | null) {
  if (migration === null) rmSync(join(dir, 'migration.sql'), { force: true });
  else writeFileSync(join(dir, 'migration.sql'), migration);
  return client.deploy(app, dir);
}

void test('add-ons: attach through config vars, rows and keys through the router, backups, data-safe rollback, a half-failed release phase', async (t) => {
  const p = await startPlatform(t);
  const { client } = p;
  const dir = fixtureCopy(t, 'addons-app');
  await client.createApp('shop');

  // before the first deploy: stored, no release
  const pg = await client.createAddon('shop', 'heroku-postgresql');
  assert.equal(pg.release, null);
  assert.equal(pg.addon.attachment, 'DATABASE');
  assert.equal(pg.addon.configVar, 'DATABASE_URL');
  assert.equal(pg.addon.state, 'available');
  assert.match(pg.addon.name, /^postgresql-[a-z]+-[a-z]+-\d{5}$/);
  assert.equal('url' in pg.addon, false);
  const url = (await client.config('shop')).DATABASE_URL;
  assert.match(url, /^postgres:\/\/\w+:[0-9a-f]+@127\.0\.0\.1:\d+\/\w+$/);

  // the first deploy: the release phase creates the table, after a backup of the (empty) database
  const v1 = await deployMigration(client, dir, 'shop', 'create table if not exists items (id serial primary key, name text not null, note text not null);\n');
  assert.equal(v1.version, 1);
  assert.match(v1.backup ?? '', /^b\d{3}$/);
  for (const name of ['a', 'b', 'c']) {
    const r = await call(p.routerUrl, 'shop', 'POST', `/rows?name=${name}`);
    assert.equal(r.status, 200, r.body);
  }
  assert.deepEqual((await call(p.routerUrl, 'shop', 'GET', '/rows')).body.trim().split('\n'), ['a:n-a', 'b:n-b', 'c:n-c']);

  // Redis: an Attach release
  const redis = await client.createAddon('shop', 'heroku-redis');
  assert.equal(redis.release?.version, 2);
  assert.equal(redis.release?.description, `Attach REDIS (${redis.addon.name})`);
  assert.match((await client.config('shop')).REDIS_URL, /^redis:\/\/:[0-9a-f]+@127\.0\.0\.1:\d+$/);
  for (const k of ['x', 'y']) {
    const r = await call(p.routerUrl, 'shop', 'POST', `/keys?k=${k}`, 2);
    assert.equal(r.status, 200, r.body);
  }
  assert.equal((await call(p.routerUrl, 'shop', 'GET', '/keys', 2)).body.trim(), '2');
  assert.equal((await client.redisInfo('shop'))[0].keys, 2);
  const info2 = await client.release('shop', 2);
  assert.deepEqual(info2.addons?.map((a) => a.attachment).sort(), ['DATABASE', 'REDIS']);

  // a second PostgreSQL gets a color; its role cannot reach the first database
  const second = await client.createAddon('shop', 'heroku-postgresql');
  assert.equal(second.addon.attachment, 'POSTGRESQL_AMBER');
  const secondUrl = (await client.config('shop')).POSTGRESQL_AMBER_URL;
  const crossUrl = secondUrl.replace(/\/\w+$/, '/' + new URL(url).pathname.slice(1));
  assert.throws(() => psql(crossUrl, 'select 1'), /no pg_hba\.conf entry/);

  // owned vars: config:set / unset refused
  await rejects(client.changeConfig('shop', { set: { DATABASE_URL: 'postgres://elsewhere' } }), 'config_owned_by_addon', /DATABASE_URL belongs to add-on postgresql-/);
  await rejects(client.changeConfig('shop', { unset: ['REDIS_URL'] }), 'config_owned_by_addon');

  // a destructive migration (drops the column v1's code needs), rolled back with the data
  const before = await client.releases('shop', 1);
  const v = await deployMigration(client, dir, 'shop', 'alter table items drop column if exists note;\n');
  assert.match(v.backup ?? '', /^b\d{3}$/);
  assert.equal(psql(url, "select count(*) from information_schema.columns where table_name='items' and column_name='note'"), '0');
  assert.equal((await call(p.routerUrl, 'shop', 'GET', '/rows', v.version)).status, 500);
  const plain = await rejects(client.rollbackWith('shop', { version: before[0].version, restoreData: true }), 'confirm_required', /--confirm shop/);
  assert.ok(plain);
  await rejects(client.rollbackWith('shop', { version: before[0].version, restoreData: true, confirm: 'other' }), 'confirm_mismatch');
  const rb = await client.rollbackWith('shop', { version: before[0].version, restoreData: true, confirm: 'shop' });
  assert.equal(rb.restoredBackup, v.backup);
  assert.equal(psql(url, 'select count(*) from items'), '3');
  await until('the rolled-back code to serve the restored rows', async () => {
    const r = await routerCall(p.routerUrl, 'shop', 'GET', '/rows');
    return r.status === 200 && r.body.trim().split('\n').length === 3 ? r : undefined;
  });

  // without --restore-data the rollback says that a backup exists
  const preview = await client.rollback('shop', before[0].version);
  assert.equal(preview.dataBackup, v.backup);
  assert.equal(preview.restoredBackup, null);

  // a release phase that fails halfway: its first statement ran; its backup brings the rows back
  await assert.rejects(deployMigration(client, dir, 'shop', "delete from items where name = 'a';\nselect * from no_such_table;\n"), /release command .* exited with status/);
  assert.equal(psql(url, 'select count(*) from items'), '2');
  const failed = (await client.releases('shop', 1))[0];
  assert.equal(failed.status, 'failed');
  assert.match(failed.backup ?? '', /^b\d{3}$/);
  const backups = await client.backups('shop');
  assert.equal(backups.find((b) => b.id === failed.backup)?.reason, `before release v${failed.version}`);
  await client.restoreBackup('shop', { backup: failed.backup!, confirm: 'shop' });
  assert.equal(psql(url, 'select count(*) from items'), '3');

  // manual backups, a destructive psql, restore of the newest
  const b = await client.captureBackup('shop');
  assert.equal(b.status, 'succeeded');
  assert.ok(b.bytes > 0);
  assert.equal(b.reason, 'manual');
  psql(url, 'drop table items');
  await client.restoreBackup('shop', { confirm: 'shop' });
  assert.equal(psql(url, 'select count(*) from items'), '3');
  const dl = await client.downloadBackup('shop', b.id);
  const chunks: Uint8Array[] = [];
  for await (const c of dl.body) chunks.push(c as Buffer);
  assert.equal(Buffer.concat(chunks).subarray(0, 5).toString(), 'PGDMP'); // pg_dump's custom format

  // pg:info, pg:reset
  const infos = await client.pgInfo('shop');
  assert.equal(infos.find((i) => i.attachment === 'DATABASE')?.tables, 1);
  await rejects(client.pgReset('shop', 'DATABASE', undefined), 'confirm_required');
  await client.pgReset('shop', 'POSTGRESQL_AMBER', 'shop');

  // the platform restarted on the same home: the same servers' data, the same URLs
  await p.close();
  const again = await build({ home: p.home, settings: { apiPort: 0, routerPort: 0 } });
  t.after(() => again.close());
  await again.listen();
  assert.equal(psql(url, 'select count(*) from items'), '3');
  const r2 = new URL((await again.ctx.db.get('app!shop') as { config: Record<string, string> }).config.REDIS_URL);
  assert.equal(execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', r2.port, 'DBSIZE'], { encoding: 'utf8', env: { ...process.env, REDISCLI_AUTH: r2.password } }).trim(), '2');

  // destroy: a Detach release, the data gone, the backups kept
  const againClient = new (client.constructor as typeof SlipwayClient)({ url: `http://127.0.0.1:${(again.fastify.server.address() as { port: number }).port}`, token: again.token });
  await rejects(againClient.destroyAddon('shop', redis.addon.name), 'confirm_required');
  await rejects(againClient.destroyAddon('shop', redis.addon.name, 'nope'), 'confirm_mismatch');
  const redisDir = join(p.home, 'addons', 'redis', redis.addon.name);
  assert.ok(existsSync(redisDir));
  const gone = await againClient.destroyAddon('shop', redis.addon.name, 'shop');
  assert.equal(gone.release?.description, `Detach REDIS (${redis.addon.name})`);
  assert.equal('REDIS_URL' in (await againClient.config('shop')), false);
  assert.equal(existsSync(redisDir), false);
  const kept = (await againClient.backups('shop')).map((x) => x.id);
  await againClient.destroyAddon('shop', 'DATABASE', 'shop');
  const after = (await againClient.backups('shop')).map((x) => x.id);
  for (const id of kept) assert.ok(after.includes(id), `backup ${id} outlives its add-on`);
  assert.throws(() => psql(url, 'select 1'));

  // apps:destroy destroys the add-ons and the backups
  await againClient.destroyApp('shop');
  assert.equal(existsSync(join(p.home, 'backups', 'shop')), false);
  const cluster = JSON.parse(readFileSync(join(p.home, 'addons', 'postgresql', 'cluster.json'), 'utf8')) as { port: number; adminPassword: string };
  const dbs = execFileSync('psql', ['-X', '-A', '-t', '-c', 'select datname from pg_database', `postgres://slipway:${cluster.adminPassword}@127.0.0.1:${cluster.port}/postgres`], { encoding: 'utf8' });
  assert.doesNotMatch(dbs, /postgresql_/);
});

void test('add-ons: bad input is a 4xx naming what is wrong and the fix', async (t) => {
  const { client } = await startPlatform(t);
  await client.createApp('bad');
  await client.createApp('other');
  await rejects(client.createAddon('bad', 'heroku-mysql'), 'unknown_service', /slipway-postgresql, heroku-postgresql, slipway-redis, heroku-redis/);
  await rejects(client.createAddon('bad', 'heroku-postgresql:hobby-dev'), 'unknown_plan', /plans are: dev/);
  await rejects(client.createAddon('bad', 'heroku-postgresql', 'lower-case'), 'invalid_attachment_name', /upper-case/);
  await client.changeConfig('bad', { set: { ANALYTICS_URL: 'x' } });
  await rejects(client.createAddon('bad', 'heroku-postgresql', 'ANALYTICS'), 'attachment_exists', /ANALYTICS_URL is already set .*--as NAME/);
  await rejects(client.pgCredentials('bad'), 'no_postgresql', /addons:create heroku-postgresql -a bad/);
  await rejects(client.redisCredentials('bad'), 'no_redis', /heroku-redis/);
  await rejects(client.captureBackup('bad'), 'no_postgresql');
  await client.createAddon('bad', 'heroku-postgresql');
  await client.createAddon('other', 'heroku-postgresql');
  await client.captureBackup('other');
  await rejects(client.restoreBackup('bad', { backup: 'b001', confirm: 'bad' }), 'backup_not_found', /has no backup b001/);
  await rejects(client.restoreBackup('bad', { backup: 'other::b001', confirm: 'bad' }), 'backup_of_other_app', /backup of app "other"/);
  await rejects(client.restoreBackup('bad', { backup: 'latest-ish', confirm: 'bad' }), 'invalid_backup_id');
  await rejects(client.restoreBackup('other', { backup: 'b001' }), 'confirm_required', /--confirm other/);
  await rejects(client.deleteBackup('other', 'b001', 'bad'), 'confirm_mismatch');
  await rejects(client.addon('bad', 'nope'), 'addon_not_found', /its add-ons are: postgresql-/);
  await rejects(client.rollbackWith('bad', { restoreData: true, confirm: 'bad' }), 'no_release');
});
