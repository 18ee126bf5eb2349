/**
 * The route validators (platform/http/validators.ts) compile on a route's first request and skip
 * Ajv's meta-schema check: here every route's request schemas are checked against the JSON
 * Schema meta-schema and compiled, and the lazily compiled validators still coerce and answer
 * 400 `invalid_request`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify, { type FastifySchema } from 'fastify';
import { AjvCompiler } from '@fastify/ajv-compiler';
import { registerDynoRoutes, registerRoutes, registerStreamRoutes } from '../../platform/http/routes';
import { ajvOptions, compilersFactory } from '../../platform/http/validators';
import { registerGitRoutes } from '../../platform/git/routes';
import { startPlatform } from '../helpers/platform';

const PARTS = ['body', 'querystring', 'params', 'headers'] as const;

void test("every route's request schemas pass the JSON Schema meta-schema and compile", async (t) => {
  const p = await startPlatform(t);
  const routes: { route: string; schema: FastifySchema }[] = [];
  const fastify = Fastify({ schemaController: { compilersFactory }, ajv: ajvOptions });
  t.after(() => fastify.close());
  fastify.addHook('onRoute', (r) => {
    if (r.schema) routes.push({ route: `${String(r.method)} ${r.url}`, schema: r.schema });
  });
  registerRoutes(fastify, p.ctx, { urls: () => ({ url: p.url, routerUrl: p.routerUrl }), routerEngine: () => 'node' });
  registerStreamRoutes(fastify, p.ctx);
  registerDynoRoutes(fastify, p.ctx);
  registerGitRoutes(fastify, p.ctx);
  await fastify.ready();

  // fastify's own compiler with Ajv's defaults: meta-schema validation on.
  const compile = AjvCompiler()({}, { customOptions: {} });
  let compiled = 0;
  for (const { route, schema } of routes) {
    for (const part of PARTS) {
      if (schema[part] === undefined) continue;
      assert.doesNotThrow(() => compile({ schema: schema[part], method: route.split(' ')[0], url: route.split(' ')[1], httpPart: part }), `${route} ${part}`);
      compiled++;
    }
  }
  assert.ok(compiled >= 10, `only ${compiled} request schemas found`);
});

void test('a lazily compiled validator coerces querystrings and params and answers 400 invalid_request', async (t) => {
  const p = await startPlatform(t);
  const headers = { host: '127.0.0.1:5101', authorization: `Bearer ${p.token}` };
  await p.client.createApp('lazy');

  const bad = await p.fastify.inject({ method: 'GET', url: '/apps/lazy/releases?limit=abc', headers });
  assert.equal(bad.statusCode, 400);
  const body = bad.json<{ error: { code: string; message: string } }>();
  assert.equal(body.error.code, 'invalid_request');
  assert.match(body.error.message, /limit/);

  const coerced = await p.fastify.inject({ method: 'GET', url: '/apps/lazy/releases?limit=2', headers });
  assert.equal(coerced.statusCode, 200, 'the string "2" is coerced to the integer the schema asks for');
  assert.deepEqual(coerced.json(), []);

  const version = await p.fastify.inject({ method: 'GET', url: '/apps/lazy/releases/0', headers });
  assert.equal(version.statusCode, 400, 'params are validated too (version ≥ 1)');
  assert.equal(version.json<{ error: { code: string } }>().error.code, 'invalid_request');

  const again = await p.fastify.inject({ method: 'GET', url: '/apps/lazy/releases?limit=abc', headers });
  assert.equal(again.statusCode, 400, 'the second request uses the compiled validator');
});
