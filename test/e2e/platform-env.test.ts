/**
 * The CLI starts the platform with NODE_EXTRA_CA_CERTS deferred (platform/discovery/spawn-env.ts: node
 * would load the bundle before the platform's first line, ~100 ms of its start), and the
 * platform puts it back for the programs it runs: a build's buildpack sees it as the user set it.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readPlatformFile } from '../../platform/discovery/platform-file';
import { cliHome } from '../helpers/cli';
import { fixtureCopy, tempDir } from '../helpers/tmp';

function buildpackPrintingCaCerts(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const script = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  script('detect', 'echo CaCerts');
  script('compile', 'echo "-----> CA bundle: ${NODE_EXTRA_CA_CERTS:-none}"');
  script('release', "printf -- '---\\ndefault_process_types:\\n  web: node server.js\\n'");
  return dir;
}

void test('NODE_EXTRA_CA_CERTS is not loaded by the platform process at start, and reaches its builds', async (t) => {
  const cli = cliHome(t);
  const bundle = join(tempDir(t, 'slipway-ca-'), 'ca.pem');
  writeFileSync(bundle, '# a CA bundle: only its name matters here\n');
  const env = { NODE_EXTRA_CA_CERTS: bundle };
  assert.equal((await cli.run(['apps:create', 'certs'], { env })).code, 0);

  const info = readPlatformFile(join(cli.home, 'platform.json'));
  assert.ok(info);
  const startEnv = readFileSync(`/proc/${info.pid}/environ`, 'utf8').split('\0');
  assert.ok(!startEnv.includes(`NODE_EXTRA_CA_CERTS=${bundle}`), 'node started without the bundle');
  assert.ok(startEnv.includes(`SLIPWAY_NODE_EXTRA_CA_CERTS=${bundle}`), 'it was handed over under the deferred name');

  const pack = buildpackPrintingCaCerts(join(tempDir(t, 'slipway-ca-pack-'), 'pack'));
  assert.equal((await cli.run(['buildpacks:set', pack, '-a', 'certs'], { env })).code, 0);
  const deployed = await cli.run(['deploy', fixtureCopy(t, 'node-web-worker'), '-a', 'certs'], { env });
  assert.equal(deployed.code, 0, deployed.stderr);
  assert.match(deployed.stdout + deployed.stderr, new RegExp(`-----> CA bundle: ${bundle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
});
