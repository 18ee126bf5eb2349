/**
 * The import boundary of README "Layout" (scripts/eslint-boundaries.mjs, run by `npm test`'s
 * lint): a forbidden import fails, an allowed one passes. Linted with ESLint itself, as
 * `npm test` runs it, on sources that exist only in this test.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import test from 'node:test';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const root = join(import.meta.dirname, '..', '..');

async function problems(file: string, code: string): Promise<string[]> {
  const { boundaryConfig } = (await import(join(root, 'eslint.config.mjs'))) as { boundaryConfig: Record<string, unknown> };
  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [{ ...boundaryConfig, languageOptions: { parser: tseslint.parser } }],
  });
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result.messages.map((m) => m.message);
}

void test('the editor may not import the platform\'s insides; the contract, shared code and discovery are fine', async () => {
  const bad = await problems('extension/views/probe.ts', "import { openDb } from '../../platform/store/db';\nimport { walkTree } from '../../platform/slugs/tree';\n");
  assert.equal(bad.length, 2, bad.join('\n'));
  assert.match(bad[0], /extension\/views\/probe\.ts is a client of the platform: .* platform\/store\/db is the platform's inside/);
  assert.match(bad[1], /platform\/slugs\/tree is the platform's inside/);
  const good = await problems(
    'extension/views/probe.ts',
    "import type { App } from '../../platform/api/schemas';\nimport { formatSize } from '../../platform/shared/size';\nimport { homePaths } from '../../platform/discovery/home';\nimport * as vscode from 'vscode';\n",
  );
  assert.deepEqual(good, []);
});

void test('the CLI may not import the platform\'s insides either', async () => {
  const bad = await problems('platform/cli/commands/probe.ts', "import { DynoManager } from '../../dynos/manager';\nimport { connect } from '../connect';\n");
  assert.equal(bad.length, 1, bad.join('\n'));
  assert.match(bad[0], /platform\/dynos\/manager is the platform's inside/);
});

void test('the language server may not import vscode or the extension', async () => {
  const bad = await problems('extension/language-server/probe.ts', "import * as vscode from 'vscode';\nimport { Ctx } from '../ctx';\nimport { parseProcfile } from '../../platform/shared/procfile';\n");
  assert.equal(bad.length, 2, bad.join('\n'));
  assert.match(bad[0], /may not import "vscode"/);
  assert.match(bad[1], /may not import the extension's extension\/ctx/);
});

void test('shared code stays free of server-only imports', async () => {
  const bad = await problems(
    'platform/shared/probe.ts',
    "import Fastify from 'fastify';\nimport { Level } from 'level';\nimport type { PlatformContext } from '../context';\nconst db = require('../store/db');\nexport { db };\n",
  );
  assert.equal(bad.length, 4, bad.join('\n'));
  assert.match(bad[0], /shared code may not import "fastify"/);
  assert.match(bad[1], /shared code may not import "level"/);
  assert.match(bad[2], /platform\/context is server-only/);
  assert.match(bad[3], /platform\/store\/db is server-only/);
  assert.deepEqual(await problems('platform/slugs/probe.ts', "import { parseProcfile } from '../shared/procfile';\nimport { chunkKey } from './chunk-plan';\n"), []);
});
