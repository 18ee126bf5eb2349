/** The CLI under faults (issue 12, item 5): a platform that stops under a command, and the automatic start's ports. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { readPlatformFile } from '../../platform/discovery/platform-file';
import { CLI, cliHome } from '../helpers/cli';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

void test('a platform that stops under `logs --tail` is named as such, with the way to start it', { timeout: 60_000 }, async (t) => {
  const cli = cliHome(t);
  assert.equal((await cli.run(['apps:create', 'shop'])).code, 0);
  assert.equal((await cli.run(['maintenance:on', '-a', 'shop'])).code, 0);
  const child = spawn(process.execPath, [CLI, 'logs', '--tail', '-a', 'shop'], { env: { ...process.env, SLIPWAY_HOME: cli.home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => (stdout += d.toString()).includes('Maintenance mode on') && resolve()));
  const exited = new Promise<number | null>((r) => child.once('close', r));
  assert.equal((await cli.run(['platform:stop'])).code, 0);
  assert.equal(await exited, 1);
  assert.equal(stderr.trim(), 'slipway: the Slipway platform stopped while running "slipway logs --tail -a shop"; start it with: slipway platform:start --detach');
});

void test("the CLI's automatic start reuses the ports the platform last listened on", { timeout: 60_000 }, async (t) => {
  const cli = cliHome(t);
  writeFileSync(join(cli.home, 'settings.json'), '{}\n'); // no ports named: the memory applies
  const [api, router] = [await freePort(), await freePort()];
  assert.equal((await cli.run(['platform:start', '--detach', '--port', String(api), '--router-port', String(router)])).code, 0);
  assert.equal((await cli.run(['platform:stop'])).code, 0);
  const r = await cli.run(['apps']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Starting the Slipway platform… done/);
  const info = readPlatformFile(join(cli.home, 'platform.json'));
  assert.equal(new URL(info?.url ?? 'http://x').port, String(api));
  assert.equal(new URL(info?.routerUrl ?? 'http://x').port, String(router));
});
