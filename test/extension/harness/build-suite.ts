/**
 * Compiles the in-host suite (test/extension/suite/index.ts and every *.suite.ts) to
 * dist/test/extension/suite/, one CommonJS file each: `vscode` and `mocha` stay external (the
 * extension host provides the first, the checkout's node_modules the second). .vscodeignore
 * keeps dist/test out of the .vsix.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

export const REPO = join(__dirname, '..', '..', '..');
export const SUITE_OUT = join(REPO, 'dist', 'test', 'extension', 'suite');
export const SUITE_ENTRY = join(SUITE_OUT, 'index.js');

export async function buildSuite(): Promise<string> {
  const src = join(REPO, 'test', 'extension', 'suite');
  const entries = readdirSync(src)
    .filter((f) => f === 'index.ts' || f.endsWith('.suite.ts'))
    .map((f) => join(src, f));
  await build({
    entryPoints: entries,
    outdir: SUITE_OUT,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    external: ['vscode', 'mocha', 'level', 'classic-level'],
    logLevel: 'warning',
  });
  return SUITE_ENTRY;
}
