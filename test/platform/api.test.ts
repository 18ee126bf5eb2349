/** The API through fastify's inject (no socket) and through real HTTP with the typed client. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientError, SlipwayClient } from '../../platform/api/client';
import { startPlatform } from '../helpers/platform';

const host = { host: '127.0.0.1:5101' };

void test('inject: requests need the token, a loopback Host and a loopback Origin', async (t) => {
  const p = await startPlatform(t);
  const auth = { ...host, authorization: `Bearer ${p.token}` };

  const none = await p.fastify.inject({ method: 'GET', url: '/apps', headers: host });
  assert.equal(none.statusCode, 401);
  assert.equal(none.json<{ error: { code: string } }>().error.code, 'token_missing');

  const wrong = await p.fastify.inject({ method: 'GET', url: '/apps', headers: { ...host, authorization: 'Bearer ' + '0'.repeat(64) } });
  assert.equal(wrong.statusCode, 401);
  assert.equal(wrong.json<{ error: { code: string } }>().error.code, 'token_invalid');

  const rebound = await p.fastify.inject({ method: 'GET', url: '/apps', headers: { ...auth, host: 'evil.example:5101' } });
  assert.equal(rebound.statusCode, 403);
  assert.equal(rebound.json<{ error: { code: string } }>().error.code, 'forbidden_host');

  const origin = await p.fastify.inject({ method: 'GET', url: '/apps', headers: { ...auth, origin: 'https://evil.example' } });
  assert.equal(origin.statusCode, 403);
  assert.equal(origin.json<{ error: { code: string } }>().error.code, 'forbidden_origin');

  const ok = await p.fastify.inject({ method: 'GET', url: '/apps', headers: { ...auth, origin: 'http://localhost:3000' } });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), []);

  const basic = await p.fastify.inject({ method: 'GET', url: '/apps', headers: { ...host, authorization: 'Basic ' + Buffer.from(`slipway:${p.token}`).toString('base64') } });
  assert.equal(basic.statusCode, 200, 'the token as a basic-auth password (what git sends) is accepted');
});

void test('inject: apps are created, listed, read and destroyed; bad input is a 4xx JSON error', async (t) => {
  const p = await startPlatform(t);
  const headers = { ...host, authorization: `Bearer ${p.token}` };
  const create = await p.fastify.inject({ method: 'POST', url: '/apps', headers, payload: { name: 'demo' } });
  assert.equal(create.statusCode, 201);
  const app = create.json<{ name: string; currentRelease: null; url: string }>();
  assert.equal(app.name, 'demo');
  assert.equal(app.currentRelease, null);
  assert.match(app.url, /^http:\/\/demo\.localhost:\d+\/$/);

  const dup = await p.fastify.inject({ method: 'POST', url: '/apps', headers, payload: { name: 'demo' } });
  assert.equal(dup.statusCode, 409);

  for (const name of ['Demo', 'a', '9lives', 'has_underscore', 'x'.repeat(31)]) {
    const bad = await p.fastify.inject({ method: 'POST', url: '/apps', headers, payload: { name } });
    assert.equal(bad.statusCode, 422, name);
    const body = bad.json<{ error: { code: string; message: string } }>();
    assert.equal(body.error.code, 'invalid_app_name');
    assert.match(body.error.message, /lowercase letters/);
  }

  const missingBody = await p.fastify.inject({ method: 'POST', url: '/apps', headers, payload: { nom: 'x' } });
  assert.equal(missingBody.statusCode, 400);
  assert.equal(missingBody.json<{ error: { code: string } }>().error.code, 'invalid_request');

  const notJson = await p.fastify.inject({ method: 'POST', url: '/apps', headers: { ...headers, 'content-type': 'application/json' }, payload: '{nope' });
  assert.equal(notJson.statusCode, 400);
  assert.ok(notJson.json<{ error: { message: string } }>().error.message);

  const unknown = await p.fastify.inject({ method: 'GET', url: '/apps/ghost', headers });
  assert.equal(unknown.statusCode, 404);
  assert.match(unknown.json<{ error: { message: string } }>().error.message, /apps:create ghost/);

  const route = await p.fastify.inject({ method: 'GET', url: '/nowhere', headers });
  assert.equal(route.statusCode, 404);
  assert.equal(route.json<{ error: { code: string } }>().error.code, 'route_not_found');

  const destroyed = await p.fastify.inject({ method: 'DELETE', url: '/apps/demo', headers });
  assert.deepEqual(destroyed.json(), { destroyed: 'demo' });
  const list = await p.fastify.inject({ method: 'GET', url: '/apps', headers });
  assert.deepEqual(list.json(), []);
});

void test('http: config before the first deploy is stored and makes no release; keys are validated', async (t) => {
  const p = await startPlatform(t);
  await p.client.createApp('cfg');
  const r = await p.client.changeConfig('cfg', { set: { GREETING: 'hi', COLOR: 'blue' } });
  assert.equal(r.release, null);
  assert.deepEqual(r.config, { GREETING: 'hi', COLOR: 'blue' });
  assert.deepEqual(await p.client.releases('cfg'), []);
  const unset = await p.client.changeConfig('cfg', { unset: ['COLOR'] });
  assert.deepEqual(unset.config, { GREETING: 'hi' });

  for (const [key, code] of [['1BAD', 'invalid_config_key'], ['has-dash', 'invalid_config_key'], ['SLIPWAY_X', 'reserved_config_key']] as const) {
    await assert.rejects(p.client.changeConfig('cfg', { set: { [key]: 'v' } }), (err: ClientError) => err.code === code && err.status === 422);
  }
  await assert.rejects(p.client.changeConfig('cfg', { set: { BIG: 'x'.repeat(33 * 1024) } }), (err: ClientError) => err.code === 'config_too_large');
  assert.deepEqual(await p.client.config('cfg'), { GREETING: 'hi' }, 'a refused change changes nothing');
  await assert.rejects(p.client.rollback('cfg'), (err: ClientError) => err.code === 'no_release');
  await assert.rejects(p.client.release('cfg', 1), (err: ClientError) => err.code === 'release_not_found' && err.status === 404);
});

void test('http: a wrong token and an unreachable platform are clear client errors', async (t) => {
  const p = await startPlatform(t);
  const bad = new SlipwayClient({ url: p.url, token: 'f'.repeat(64) });
  await assert.rejects(bad.apps(), (err: ClientError) => err.status === 401 && /token is wrong/.test(err.message));
  await p.close();
  await assert.rejects(p.client.apps(), (err: ClientError) => err.code === 'platform_unreachable' && /platform:start/.test(err.message));
});

void test('http: the status route reports where the platform is', async (t) => {
  const p = await startPlatform(t);
  const s = await p.client.status();
  assert.equal(s.running, true);
  assert.equal(s.pid, process.pid);
  assert.equal(s.home, p.home);
  assert.equal(s.url, p.url);
});
