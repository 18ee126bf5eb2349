#!/usr/bin/env node
// `npm run demo`: the main job on the embedded defaults. Starts the platform in the background
// ($SLIPWAY_HOME, default ~/.slipway; ports 5101 and 5100), creates the app "demo" if needed and
// deploys the node-web-worker fixture to it, then shows its releases. Everything it does is an
// ordinary `slipway` command, printed before it runs.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const slipway = join(root, 'bin', 'slipway.js');
const app = process.env.SLIPWAY_DEMO_APP ?? 'demo';
const fixture = join(root, 'test', 'fixtures', 'apps', 'node-web-worker');

function run(args, { allowFail = false } = {}) {
  console.log(`\n$ slipway ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [slipway, ...args], { stdio: 'inherit' });
  if (r.status !== 0 && !allowFail) process.exit(r.status ?? 1);
  return r.status;
}

run(['platform:start', '--detach']);
const exists = spawnSync(process.execPath, [slipway, 'apps:info', '-a', app], { stdio: 'ignore' }).status === 0;
if (!exists) run(['apps:create', app]);
run(['deploy', fixture, '-a', app]);
run(['releases', '-a', app]);
run(['apps:info', '-a', app]);
console.log(`\nDone. Try: node bin/slipway.js config:set GREETING=hi -a ${app}, then: node bin/slipway.js rollback -a ${app}`);
console.log('Stop the platform with: node bin/slipway.js platform:stop');
