// Bundles the platform, the CLI (and, from the editor issues, the extension and the language
// server) into dist/. Native and runtime-loaded packages stay external: `level` loads a native
// binding that must sit in node_modules next to the bundle.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const entries = [
  { in: 'platform/main.ts', out: 'platform' },
  { in: 'platform/cli.ts', out: 'cli' },
  { in: 'extension/main.ts', out: 'extension' },
  { in: 'extension/language-server/main.ts', out: 'language-server' },
].filter((e) => existsSync(e.in));

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

await build({
  entryPoints: entries,
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
});
