/** Logs, the event stream and maintenance mode through the API, the router and the typed client. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import type { LogLine, PlatformEvent } from '../../platform/api/schemas';
import { ClientError } from '../../platform/api/client';
import { startPlatform } from '../helpers/platform';

function get(routerUrl: string, host: string): Promise<{ status: number; body: string }> {
  const u = new URL(routerUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: '/', headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

void test('release events are logged as app[api] lines, readable with filters and followable live', async (t) => {
  const p = await startPlatform(t);
  await p.client.createApp('logged');
  p.ctx.logs.append('logged', 'app', 'web.1', 'hello from web');
  p.ctx.logs.append('logged', 'app', 'worker.1', 'tick 1');

  const received: LogLine[] = [];
  const abort = new AbortController();
  const gotMaintenance = new Promise<void>((resolve) => {
    void p.client.tailLogs('logged', { n: 10 }, (line) => {
      received.push(line);
      if (line.message === 'Maintenance mode on') resolve();
    }, abort.signal);
  });
  await p.client.maintenance('logged', true);
  await gotMaintenance;
  abort.abort();
  assert.deepEqual(received.map((l) => l.message), ['hello from web', 'tick 1', 'Maintenance mode on'], 'history first, then live, nothing twice');

  const web = await p.client.logs('logged', { ps: 'web' });
  assert.deepEqual(web.map((l) => l.message), ['hello from web']);
  const api = await p.client.logs('logged', { source: 'api' });
  assert.deepEqual(api.map((l) => [l.source, l.dyno, l.message]), [['api', 'api', 'Maintenance mode on']]);
  assert.match(api[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(await p.client.logs('logged', { since: '1d', n: 1 }).then((l) => l.map((x) => x.message)), ['Maintenance mode on']);
  await assert.rejects(p.client.logs('logged', { since: 'yesterday' }), (err: ClientError) => err.status === 422 && /relative time/.test(err.message));
});

void test('maintenance mode makes the router answer H80; unknown hosts get a 404; the event stream says what changed', async (t) => {
  const p = await startPlatform(t);
  const events: PlatformEvent[] = [];
  const abort = new AbortController();
  let onEvent: () => void = () => undefined;
  const hello = new Promise<void>((resolve) => {
    void p.client.events((e) => {
      events.push(e);
      if (e.kind === 'hello') resolve();
      onEvent();
    }, abort.signal);
  });
  await hello;
  const sawCreate = new Promise<void>((resolve) => (onEvent = () => events.some((e) => e.kind === 'apps' && e.app === 'shop') && resolve()));
  await p.client.createApp('shop');
  await sawCreate;
  abort.abort();

  const before = await get(p.routerUrl, 'shop.localhost');
  assert.equal(before.status, 503);
  assert.match(before.body, /H14|[Nn]o web dynos/);
  assert.deepEqual(await p.client.maintenance('shop', true), { maintenance: true });
  const during = await get(p.routerUrl, 'shop.localhost');
  assert.equal(during.status, 503);
  assert.match(during.body, /[Mm]aintenance/);
  await p.client.maintenance('shop', false);
  assert.equal((await p.client.maintenance('shop')).maintenance, false);
  const unknown = await get(p.routerUrl, 'ghost.localhost');
  assert.equal(unknown.status, 404);
  const lines = await p.client.logs('shop', { source: 'slipway' });
  assert.ok(lines.some((l) => l.dyno === 'router' && /code=H80/.test(l.message)), lines.map((l) => l.message).join('\n'));
});
