#!/usr/bin/env node
// `npm run demo`: the main job on the embedded defaults. Starts the platform in the background
// ($SLIPWAY_HOME, default ~/.slipway; ports 5101 and 5100), creates the app "demo" if needed and
// deploys the node-web-worker fixture to it, then shows its releases. Everything it does is an
// ordinary `slipway` command, printed before it runs.
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
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
run(['ps', '-a', app]);

// The app answers through the router (browsers and curl resolve *.localhost; node does not, so
// connect to the router's address and send the Host header).
const info = JSON.parse(spawnSync(process.execPath, [slipway, 'apps:info', '-a', app, '--json'], { encoding: 'utf8' }).stdout);
const routerPort = new URL(info.url).port;
const get = () =>
  new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: routerPort, path: '/', headers: { host: `${app}.localhost:${routerPort}` } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
let answer = await get();
for (let i = 0; i < 100 && answer.status !== 200; i++) {
  await new Promise((r) => setTimeout(r, 100));
  answer = await get();
}
console.log(`\n$ curl ${info.url}\n${answer.body.trimEnd() || `(HTTP ${answer.status})`}`);
console.log(`\nDone: ${app} runs at ${info.url}. Try:`);
console.log(`  node bin/slipway.js ps:scale web=3 -a ${app}       # three dynos, answering in turn`);
console.log(`  node bin/slipway.js logs --tail -a ${app}          # router lines and the worker's ticks (after ps:scale worker=1)`);
console.log(`  node bin/slipway.js config:set GREETING=hi -a ${app}; node bin/slipway.js rollback -a ${app}`);
console.log('Stop the platform (and its dynos) with: node bin/slipway.js platform:stop');
