/**
 * How fastify turns the routes' TypeBox schemas into validators and serialisers, chosen for
 * start-up time (issue 2: the API answers within 300 ms of the process start).
 *
 * - Validation is still fastify's own Ajv compiler with its defaults (type coercion of params
 *   and querystrings, `removeAdditional`, the same error objects, so the same 400 bodies), but
 *   each route's validator is compiled on the route's first request instead of at `ready()`
 *   for every route: compiling them all, with Ajv's meta-schema first, took about 200 ms. Ajv
 *   itself is loaded on the first compile too (the bundle evaluates a `require` in a function
 *   body only when it runs).
 * - Responses are plain JSON.stringify: compiling a fast-json-stringify serialiser per route
 *   cost a few hundred ms for no measurable gain at this API's rates. The response schemas stay:
 *   they are the contract, the client's types and the docs.
 *
 * - Ajv does not check the schemas against the JSON Schema meta-schema (`validateSchema: false`):
 *   compiling the meta-schema cost about 100 ms on the first validated request, and the schemas
 *   are TypeBox's, fixed in the code. test/platform/validators.test.ts checks every route's
 *   schemas against the meta-schema instead, and compiles them all.
 *
 * Passed as fastify's `schemaController.compilersFactory` and `ajv` options, so fastify never
 * loads its default compilers (`@fastify/ajv-compiler`, `@fastify/fast-json-stringify-compiler`)
 * at start.
 */
import type { FastifyServerOptions } from 'fastify';
import type { BuildCompilerFromPool } from '@fastify/ajv-compiler';

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type RouteCompiler = ReturnType<BuildCompilerFromPool>;
interface Validate {
  (data: unknown): unknown;
  errors?: unknown;
}

function ajvCompilerPool(): BuildCompilerFromPool {
  // A function-body `require`: esbuild bundles Ajv but evaluates it only on this first call.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { AjvCompiler } = require('@fastify/ajv-compiler') as typeof import('@fastify/ajv-compiler');
  return AjvCompiler();
}

/** Fastify's Ajv compiler, created on the first request that needs it, compiling per route on first use. */
const buildValidator: BuildCompilerFromPool = (externalSchemas, ajvOptions) => {
  let compiler: RouteCompiler | undefined;
  return (route) => {
    let compiled: Validate | undefined;
    const validate: Validate = (data) => {
      compiled ??= (compiler ??= ajvCompilerPool()(externalSchemas, ajvOptions))(route) as Validate;
      const ok = compiled(data);
      validate.errors = compiled.errors;
      return ok;
    };
    return validate as ReturnType<RouteCompiler>;
  };
};

const buildSerializer: NonNullable<CompilersFactory['buildSerializer']> = () => () => (data: unknown) => JSON.stringify(data);

export const compilersFactory: CompilersFactory = { buildValidator, buildSerializer };

/** fastify's `ajv` option: its defaults, but no meta-schema check of our own schemas (above). */
export const ajvOptions = { customOptions: { validateSchema: false } } as const;
