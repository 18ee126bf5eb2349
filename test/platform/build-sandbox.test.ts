/**
 * Builds and the release phase in the bubblewrap sandbox (platform/builds/build-sandbox.ts,
 * platform/sandbox/bwrap.ts, the release phase through platform/dynos/): a classic buildpack
 * (test/fixtures/buildpacks/escape) and a release command that try to write outside their own
 * dirs, on a real platform whose $SLIPWAY_HOME is outside /tmp (so that the sandbox sees it,
 * read-only, rather than not at all); and builds that run plainly say so.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { buildSlug } from '../../platform/builds/build';
import { PLAIN_NOTE, SANDBOX_PATHS, SANDBOXED_NOTE } from '../../platform/builds/build-sandbox';
import { detectBwrap } from '../../platform/sandbox/bwrap';
import { startPlatform } from '../helpers/platform';
import { fixtureCopy, tempDir } from '../helpers/tmp';

const BUILDPACKS = join(__dirname, '..', 'fixtures', 'buildpacks');
const ESCAPE = join(BUILDPACKS, 'escape');
const HELLO = join(BUILDPACKS, 'hello');
const MiB = 1024 * 1024;
const SANDBOX = detectBwrap() !== null;
const skip = SANDBOX ? false : 'bubblewrap does not work here';

/** The release command: tries each path of $ESCAPE_TARGETS (one a line) and /app, /tmp; reads $ESCAPE_READ. */
const ESCAPE_SH = `#!/bin/sh
try() {
  if (echo escaped > "$1") 2>/dev/null; then echo "release wrote $1"; else echo "release blocked $1"; fi
}
try /app/released.txt
try /tmp/tmp.txt
printf '%s\\n' "$ESCAPE_TARGETS" | while IFS= read -r target; do
  if [ -n "$target" ]; then try "$target"; fi
done
if cat "$ESCAPE_READ" >/dev/null 2>&1; then echo "release read $ESCAPE_READ"; else echo "release unreadable $ESCAPE_READ"; fi
`;

/** A directory outside /tmp (where the real ~/.slipway lives), removed after the test. */
function dirOutsideTmp(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(homedir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function extract(t: TestContext, slug: string): string {
  const dir = tempDir(t, 'slipway-extract-');
  const r = spawnSync('tar', ['-xzf', slug, '-C', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return dir;
}

void test('a sandboxed build and release phase write only their own dirs: not $SLIPWAY_HOME, the slugs, another app, the buildpack, the source or the host /tmp', { skip }, async (t) => {
  const home = join(dirOutsideTmp(t, '.slipway-sandbox-test-'), 'home');
  const p = await startPlatform(t, { home });
  const c = p.client;
  assert.ok((await c.createApp('demo')) && (await c.createApp('other')));
  mkdirSync(join(home, 'apps', 'other'), { recursive: true });
  mkdirSync(join(home, 'apps', 'demo'), { recursive: true });

  const src = join(tempDir(t, 'slipway-escape-app-'), 'app');
  mkdirSync(src);
  writeFileSync(join(src, 'escape.sh'), ESCAPE_SH);
  chmodSync(join(src, 'escape.sh'), 0o755);
  writeFileSync(join(src, 'Procfile'), 'release: ./escape.sh\nworker: sleep 1000\n');

  const hostTmp = tempDir(t, 'slipway-escape-host-');
  const inTmp = `/tmp/slipway-escape-${randomBytes(6).toString('hex')}`;
  t.after(() => rmSync(inTmp, { force: true }));
  const forbidden = [
    join(home, 'escaped'),
    join(home, 'slugs', 'escaped.tar.gz'),
    join(home, 'apps', 'other', 'escaped'),
    join(home, 'apps', 'demo', 'escaped'),
    join(ESCAPE, 'escaped'),
    join(src, 'escaped'),
    join(hostTmp, 'escaped'),
  ];
  await c.setBuildpack('demo', ESCAPE);
  const token = join(home, 'token');
  await c.changeConfig('demo', { set: { ESCAPE_TARGETS: [...forbidden, inTmp].join('\n'), ESCAPE_READ: token } });

  const lines: string[] = [];
  const v1 = await c.deploy('demo', src, { onOutput: (l) => lines.push(l) });
  const out = lines.join('\n');
  assert.equal(v1.status, 'succeeded', out);

  // The build: says it is sandboxed; BUILD_DIR, CACHE_DIR, HOME and /tmp are its own, writable.
  assert.ok(lines.includes(`       ${SANDBOXED_NOTE}`), out);
  assert.ok(lines.indexOf(`       ${SANDBOXED_NOTE}`) < lines.indexOf('-----> Escape app detected'), out);
  assert.ok(lines.includes(`       BUILD_DIR=/app CACHE_DIR=${SANDBOX_PATHS.cache} ENV_DIR=${SANDBOX_PATHS.env} HOME=${SANDBOX_PATHS.home}`), out);
  for (const ok of ['/app/built.txt', `${SANDBOX_PATHS.cache}/cached.txt`, `${SANDBOX_PATHS.home}/home.txt`, '/tmp/tmp.txt', inTmp]) {
    assert.ok(lines.includes(`       wrote ${ok}`), `the build may write ${ok}:\n${out}`);
  }
  // ... and nothing else: not ENV_DIR, not one of the paths outside.
  for (const path of [`${SANDBOX_PATHS.env}/escaped`, ...forbidden]) {
    assert.ok(lines.includes(`       blocked ${path}`), `the build may not write ${path}:\n${out}`);
  }

  // The release phase (a one-off dyno): its /app and /tmp only.
  for (const ok of ['/app/released.txt', '/tmp/tmp.txt', inTmp]) assert.ok(lines.includes(`       release wrote ${ok}`), `the release command may write ${ok}:\n${out}`);
  for (const path of forbidden) assert.ok(lines.includes(`       release blocked ${path}`), `the release command may not write ${path}:\n${out}`);

  // Neither can read the platform's home: its token is out of sight (an empty tmpfs over it).
  assert.ok(existsSync(token));
  assert.ok(lines.includes(`       unreadable ${token}`), `the build may not read the token:\n${out}`);
  assert.ok(lines.includes(`       release unreadable ${token}`), `the release command may not read the token:\n${out}`);

  // Nothing reached the host but the build's own dirs.
  for (const path of [...forbidden, inTmp]) assert.ok(!existsSync(path), `${path} is not on the host`);
  const info = await c.release('demo', 1);
  const slug = extract(t, join(home, 'slugs', `${info.slug.id}.tar.gz`));
  assert.equal(readFileSync(join(slug, 'built.txt'), 'utf8'), 'escaped\n', 'BUILD_DIR is the slug');
  assert.ok(!existsSync(join(slug, 'home.txt')) && !existsSync(join(slug, 'released.txt')));
  const caches = join(home, 'apps', 'demo', 'buildpack-cache');
  assert.ok(
    spawnSync('find', [caches, '-name', 'cached.txt'], { encoding: 'utf8' }).stdout.trim() !== '',
    'CACHE_DIR is the app’s buildpack cache on the host',
  );
});

void test('npm builds in the sandbox: HOME is its own, the npm cache is the app’s, the user’s npm config applies', { skip }, async (t) => {
  const app = join(tempDir(t), 'app');
  mkdirSync(app);
  // an install script stands for a package's: it reports what npm gave it, and tries to escape
  const outside = join(dirOutsideTmp(t, '.slipway-sandbox-npm-'), 'escaped');
  const report = `node -e "const fs=require('fs');let w='wrote';try{fs.writeFileSync('${outside}','x')}catch{w='blocked'}console.log('cwd='+process.cwd()+' home='+process.env.HOME+' cache='+process.env.npm_config_cache+' node_options='+process.env.NODE_OPTIONS+' '+w+' outside')"`;
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'boxed', version: '1.0.0', private: true, scripts: { preinstall: report } }));
  // a user config under /tmp (hidden by the sandbox's own /tmp) still reaches npm
  const userconfig = join(tempDir(t, 'slipway-npmrc-'), '.npmrc');
  writeFileSync(userconfig, 'node-options=--no-deprecation\n');
  const dir = tempDir(t, 'slipway-build-');
  const lines: string[] = [];
  const r = await buildSlug({
    app: 'boxed',
    sourceDir: app,
    workDir: join(dir, 'work'),
    slugsDir: join(dir, 'slugs'),
    env: { npm_config_userconfig: userconfig },
    softLimitBytes: 300 * MiB,
    hardLimitBytes: 500 * MiB,
    sandbox: true,
    log: (l) => lines.push(l),
  });
  const out = lines.join('\n');
  assert.deepEqual(lines.slice(0, 5), [
    '-----> Building on the Slipway stack',
    '-----> Node.js app detected',
    `       ${SANDBOXED_NOTE}`,
    '-----> Installing dependencies',
    '       npm install --omit=dev',
  ]);
  assert.ok(lines.some((l) => l.includes(`cwd=/app home=${SANDBOX_PATHS.home} cache=${SANDBOX_PATHS.cache} node_options=--no-deprecation blocked outside`)), out);
  assert.ok(!existsSync(outside));
  assert.ok(existsSync(join(dir, 'work', 'npm-cache')), 'the npm cache is the app’s, on the host');
  assert.equal(r.buildpack, 'node');
});

void test('without the sandbox a build runs plainly and says so; a build that runs no program says nothing', async (t) => {
  assert.equal(detectBwrap(join(tempDir(t), 'no-bwrap')), null, 'no bubblewrap: no sandbox');
  const dir = tempDir(t, 'slipway-build-');
  const lines: string[] = [];
  const opts = {
    app: 'demo',
    sourceDir: fixtureCopy(t, 'node-web-worker'),
    workDir: join(dir, 'work'),
    slugsDir: join(dir, 'slugs'),
    env: { GREETING: 'plain' },
    buildpacks: [HELLO],
    softLimitBytes: 300 * MiB,
    hardLimitBytes: 500 * MiB,
    sandbox: false,
    log: (l: string) => lines.push(l),
  };
  const r = await buildSlug(opts);
  assert.deepEqual(lines.slice(0, 4), ['-----> Building on the Slipway stack', `       ${PLAIN_NOTE}`, '-----> Hello app detected', '-----> Hello buildpack compiling']);
  assert.equal(lines.filter((l) => l === `       ${PLAIN_NOTE}`).length, 1, 'said once');
  assert.ok(!lines.includes(`       ${SANDBOXED_NOTE}`));
  assert.deepEqual(r.warnings, []);
  assert.equal(readFileSync(join(extract(t, r.slug.path), 'hello.txt'), 'utf8'), 'plain\n');

  const pure: string[] = [];
  await buildSlug({ ...opts, buildpacks: [], sandbox: undefined, log: (l) => pure.push(l) });
  assert.ok(!pure.some((l) => l === `       ${PLAIN_NOTE}` || l === `       ${SANDBOXED_NOTE}`), pure.join('\n'));
});
