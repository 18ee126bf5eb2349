// Bundles the platform, the CLI (and, from the editor issues, the extension and the language
// server) into dist/. Native and runtime-loaded packages stay external: `level` loads a native
// binding that must sit in node_modules next to the bundle (the platform bundle keeps only that
// binding outside, see nativeBinding). The platform is built for start-up time (issue 2): a
// launcher with V8's code cache, and what it needs only later in bundles of their own.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const entries = [
  // dist/platform.js is a small launcher that runs dist/platform-main.js with V8's code cache.
  { in: 'platform/launcher.ts', out: 'platform' },
  { in: 'platform/main.ts', out: 'platform-main' },
  { in: 'platform/cli.ts', out: 'cli' },
  { in: 'extension/main.ts', out: 'extension' },
  { in: 'extension/language-server/main.ts', out: 'language-server' },
].filter((e) => existsSync(e.in));

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/**
 * Packages that the platform needs only after it answers (issue 2: start to API ready within
 * 300 ms): each is a bundle of its own, dist/platform-NAME.js, that the platform bundle
 * `require`s (from a function body) the first time it is used: the router's first request
 * (undici, http-proxy-3), a route's first validation (Ajv), `fastify.inject` (light-my-request);
 * fastify's default serialiser compiler is never used (http/validators.ts). The platform bundle
 * is then 1.5 MB instead of 3.3: less to read, to parse on a cold start, and to cache.
 */
const lazyPackages = {
  undici: 'platform-undici',
  'http-proxy-3': 'platform-http-proxy',
  '@fastify/ajv-compiler': 'platform-ajv',
  '@fastify/fast-json-stringify-compiler': 'platform-fjs-compiler',
  'light-my-request': 'platform-light-my-request',
};

/** `require('undici')` from the platform bundle → `require('./platform-undici.js')`, loaded at run time. */
const lazyChunks = {
  name: 'lazy-chunks',
  setup(b) {
    const names = Object.keys(lazyPackages).map((n) => n.replace(/[/@.-]/g, '\\$&'));
    b.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => ({ path: `./${lazyPackages[args.path]}.js`, external: true }));
  },
};

/**
 * The platform bundles level's JavaScript too (then V8's code cache holds it, launcher.ts); only
 * classic-level's native binding is loaded at run time, from node_modules next to dist/, where
 * `require('classic-level/binding.js')` finds its prebuilds (the files .vscodeignore lets in).
 */
const nativeBinding = {
  name: 'native-binding',
  setup(b) {
    b.onResolve({ filter: /^\.\/binding$/ }, (args) =>
      /[/\\]node_modules[/\\]classic-level[/\\]/.test(args.importer) ? { path: 'classic-level/binding.js', external: true } : undefined,
    );
  },
};

/**
 * fastify's server.js loads node:https and node:http2 at its top for servers the platform never
 * makes (plain HTTP on loopback): in the platform bundle they load on first use instead (about
 * 10 ms of start-up, tls and http2 included).
 */
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:(https|http2)$/ }, (args) =>
      /[/\\]node_modules[/\\]fastify[/\\]lib[/\\]server\.js$/.test(args.importer) ? { path: args.path, namespace: 'lazy-builtin' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: `let m; module.exports = new Proxy({}, { get: (_, key) => (m ??= require(${JSON.stringify(args.path)}))[key] });`,
      loader: 'js',
    }));
  },
};

const common = {
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  external: ['vscode', 'level', 'classic-level'],
  logLevel: watch ? 'info' : 'warning',
  legalComments: 'none',
};

const platformEntry = entries.find((e) => e.out === 'platform-main');
await Promise.all([
  build({ ...common, entryPoints: entries.filter((e) => e !== platformEntry) }),
  platformEntry && build({ ...common, entryPoints: [platformEntry], external: ['vscode'], plugins: [lazyChunks, nativeBinding, lazyBuiltins] }),
  platformEntry && build({ ...common, entryPoints: Object.entries(lazyPackages).map(([pkg, out]) => ({ in: require.resolve(pkg), out })) }),
]);
