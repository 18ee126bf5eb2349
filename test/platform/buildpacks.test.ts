/**
 * Custom classic buildpacks (platform/builds/classic-buildpack.ts, app-buildpacks.ts): the
 * test buildpack in test/fixtures/buildpacks/hello (a few lines of shell) deployed through the
 * API, with GNU tar reading the slugs; set/list/clear and their refusals; detect and compile
 * failures; an abort killing the buildpack's process group; the bin/release YAML reader.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { BuildError, buildSlug } from '../../platform/builds/build';
import { PLAIN_NOTE, SANDBOXED_NOTE } from '../../platform/builds/build-sandbox';
import { parseDefaultProcessTypes } from '../../platform/builds/release-yaml';
import { detectBwrap } from '../../platform/sandbox/bwrap';
import type { ClientError } from '../../platform/api/client';
import { until } from '../helpers/http';
import { startPlatform } from '../helpers/platform';
import { fixtureCopy, tempDir } from '../helpers/tmp';

const HELLO = join(__dirname, '..', 'fixtures', 'buildpacks', 'hello');
const MiB = 1024 * 1024;
/** Builds are tested sandboxed (where bubblewrap works) and plain. */
const MODES: boolean[] = detectBwrap() ? [true, false] : [false];

function extractSlug(t: TestContext, file: string): string {
  const dir = tempDir(t, 'slipway-extract-');
  const r = spawnSync('tar', ['-xzf', file, '-C', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return dir;
}

function listSlug(file: string): string[] {
  const r = spawnSync('tar', ['-tzf', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

async function rejects(p: Promise<unknown>, code: string): Promise<ClientError> {
  try {
    await p;
  } catch (err) {
    assert.equal((err as ClientError).code, code, (err as Error).message);
    return err as ClientError;
  }
  assert.fail(`expected ${code}`);
}

/** A buildpack made in a temp dir from shell scripts. */
function makeBuildpack(t: TestContext, scripts: Record<string, string>): string {
  const dir = join(tempDir(t, 'slipway-bp-'), 'bp');
  mkdirSync(join(dir, 'bin'), { recursive: true });
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(dir, 'bin', name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, 'bin', name), 0o755);
  }
  return dir;
}

void test('a classic buildpack builds the app: its output, ENV_DIR, CACHE_DIR across deploys, bin/release process types', async (t) => {
  const p = await startPlatform(t);
  const c = p.client;
  await c.createApp('demo');
  const src = fixtureCopy(t, 'node-web-worker');
  rmSync(join(src, 'Procfile'));

  assert.deepEqual(await c.buildpacks('demo'), { buildpacks: [] });
  assert.deepEqual(await c.setBuildpack('demo', HELLO), { buildpacks: [HELLO] });
  assert.deepEqual(await c.buildpacks('demo'), { buildpacks: [HELLO] });
  await c.changeConfig('demo', { set: { GREETING: 'ahoy' } });
  assert.equal((await c.releases('demo')).length, 0, 'setting a buildpack makes no release');

  const lines: string[] = [];
  const v1 = await c.deploy('demo', src, { onOutput: (l) => lines.push(l) });
  assert.equal(v1.version, 1);
  const out = lines.join('\n');
  for (const want of ['-----> Hello app detected', '-----> Hello buildpack compiling', '       compiled with ahoy (run 1)', '       Default types for buildpack -> web, hello', '       Released v1']) {
    assert.ok(lines.includes(want), `output has "${want}":\n${out}`);
  }
  assert.ok(!out.includes('Installing dependencies'), 'the built-in node step did not run');

  const info = await c.release('demo', 1);
  assert.deepEqual(info.processTypes, { web: 'node server.js', hello: 'cat hello.txt' });
  const slug = join(p.home, 'slugs', `${info.slug.id}.tar.gz`);
  const entries = listSlug(slug);
  assert.ok(entries.includes('./hello.txt') || entries.includes('hello.txt'), entries.join('\n'));
  const x1 = extractSlug(t, slug);
  assert.equal(readFileSync(join(x1, 'hello.txt'), 'utf8'), 'ahoy\n');
  // STACK is set; the config vars reach bin/compile through ENV_DIR only, not its environment
  assert.equal(readFileSync(join(x1, 'compile-info.txt'), 'utf8'), 'runs=1 stack=slipway-1 greeting-in-env=no\n');
  assert.ok(existsSync(join(x1, 'server.js')));

  const work = join(p.home, 'apps', 'demo');
  assert.ok(!existsSync(join(work, 'buildpack-env')), 'ENV_DIR (config values) is removed after the build');
  assert.ok(!existsSync(join(work, 'build')), 'the build dir of a custom buildpack is not kept');

  // The cache dir survives to the next build (and the build dir starts from the app again).
  const again: string[] = [];
  await c.deploy('demo', src, { onOutput: (l) => again.push(l) });
  assert.ok(again.includes('       compiled with ahoy (run 2)'), again.join('\n'));
  const x2 = extractSlug(t, join(p.home, 'slugs', `${(await c.release('demo', 2)).slug.id}.tar.gz`));
  assert.equal(readFileSync(join(x2, 'compile-info.txt'), 'utf8'), 'runs=2 stack=slipway-1 greeting-in-env=no\n');
  const caches = readdirSync(join(work, 'buildpack-cache'));
  assert.equal(caches.length, 1);
  assert.equal(readFileSync(join(work, 'buildpack-cache', caches[0], 'runs'), 'utf8'), '2\n');

  // A Procfile wins over bin/release's defaults.
  writeFileSync(join(src, 'Procfile'), 'web: node server.js\nworker: node worker.js\n');
  await c.deploy('demo', src);
  assert.deepEqual((await c.release('demo', 3)).processTypes, { web: 'node server.js', worker: 'node worker.js' });

  // Cleared: the built-in node step builds again.
  assert.deepEqual(await c.clearBuildpacks('demo'), { buildpacks: [] });
  const node: string[] = [];
  await c.deploy('demo', src, { onOutput: (l) => node.push(l) });
  assert.ok(node.includes('-----> Node.js app detected'), node.join('\n'));
  assert.ok(!node.some((l) => l.includes('Hello')), node.join('\n'));
});

void test('buildpacks:set refuses what is not a classic buildpack, naming what is missing', async (t) => {
  const p = await startPlatform(t);
  const c = p.client;
  await c.createApp('demo');
  let e = await rejects(c.setBuildpack('demo', '/no/such/buildpack'), 'buildpack_invalid');
  assert.equal(e.status, 422);
  assert.match(e.message, /\/no\/such\/buildpack: no such directory/);
  e = await rejects(c.setBuildpack('demo', 'relative/dir'), 'buildpack_invalid');
  assert.match(e.message, /not an absolute path/);

  const half = makeBuildpack(t, { detect: 'exit 0' });
  chmodSync(join(half, 'bin', 'detect'), 0o644);
  e = await rejects(c.setBuildpack('demo', half), 'buildpack_invalid');
  assert.match(e.message, /bin\/detect is not executable/);
  assert.match(e.message, /bin\/compile is missing/);

  await rejects(c.setBuildpack('nope', HELLO), 'app_not_found');
  await rejects(c.buildpacks('nope'), 'app_not_found');
  assert.deepEqual(await c.buildpacks('demo'), { buildpacks: [] });
});

void test('a buildpack whose detect fails is a clear rejection; a failing compile leaves no release and no slug', async (t) => {
  const p = await startPlatform(t);
  const c = p.client;
  await c.createApp('demo');
  await c.setBuildpack('demo', HELLO);

  const site = fixtureCopy(t, 'static-site'); // no server.js: hello does not apply
  const e = await rejects(c.deploy('demo', site), 'buildpack_detect_failed');
  assert.match(e.message, new RegExp(`${HELLO}/bin/detect exited 1: this buildpack does not apply to the app; clear it with slipway buildpacks:clear -a demo`));
  assert.match(e.message, /no server\.js in/);
  assert.equal((await c.releases('demo')).length, 0);

  const src = fixtureCopy(t, 'node-web-worker');
  await c.changeConfig('demo', { set: { HELLO_FAIL: '1' } });
  const lines: string[] = [];
  const f = await rejects(
    c.deploy('demo', src, { onOutput: (l) => lines.push(l) }),
    'buildpack_failed',
  );
  assert.match(f.message, /bin\/compile exited 3/);
  assert.ok(lines.includes('-----> Hello buildpack compiling'), lines.join('\n'));
  assert.ok(lines.includes('       failing as HELLO_FAIL asks'), lines.join('\n'));
  assert.equal((await c.releases('demo')).length, 0);
  const slugs = existsSync(join(p.home, 'slugs')) ? readdirSync(join(p.home, 'slugs')).filter((n) => n.endsWith('.tar.gz')) : [];
  assert.deepEqual(slugs, [], 'no slug left');
  assert.ok(!existsSync(join(p.home, 'apps', 'demo', 'buildpack-env')));
});

/** The pids of the host's processes running `sleep ARG`. */
function sleepers(arg: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(join('/proc', name, 'cmdline'), 'utf8').split('\0');
      if (argv[0].endsWith('sleep') && argv[1] === arg) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

for (const sandbox of MODES) {
  void test(`an abort kills the buildpack and everything it started (${sandbox ? 'sandboxed' : 'plain'})`, async (t) => {
    const dir = tempDir(t, 'slipway-bp-abort-');
    // a sleep found by its argument in /proc (a sandboxed one's own pid is of its namespace)
    const arg = `600.${randomInt(100_000, 1_000_000)}`;
    const bp = makeBuildpack(t, {
      detect: 'echo Sleepy',
      // says so once the sleep runs (not before its exec)
      compile: `sleep ${arg} &\nuntil [ "$(tr -d '\\0' < /proc/$!/cmdline)" = "sleep${arg}" ]; do :; done\necho "-----> sleeping"\nwait`,
    });
    const src = fixtureCopy(t, 'static-site');
    const abort = new AbortController();
    const lines: string[] = [];
    let running: number[] = [];
    const build = buildSlug({
      app: 'demo',
      sourceDir: src,
      workDir: join(dir, 'work'),
      slugsDir: join(dir, 'slugs'),
      env: {},
      buildpacks: [bp],
      softLimitBytes: 300 * MiB,
      hardLimitBytes: 500 * MiB,
      sandbox,
      signal: abort.signal,
      log: (l) => {
        lines.push(l);
        if (l === '-----> sleeping') {
          running = sleepers(arg);
          abort.abort();
        }
      },
    });
    await assert.rejects(build, (err: unknown) => err instanceof BuildError && err.code === 'build_aborted');
    assert.ok(lines.includes(`       ${sandbox ? SANDBOXED_NOTE : PLAIN_NOTE}`), lines.join('\n'));
    assert.equal(running.length, 1, 'the sleep ran when the build was aborted');
    // the group is killed at once; its last process may take a moment to be gone from /proc
    await until('the sleep the buildpack started to be killed with its group', () => Promise.resolve(sleepers(arg).length === 0 ? true : undefined), 5000);
  });
}

void test('bin/release YAML: default_process_types and nothing else', () => {
  assert.deepEqual(parseDefaultProcessTypes('---\naddons: []\ndefault_process_types:\n  web: node server.js\n  worker: "bin/worker --fast"\nconfig_vars:\n  X: y\n'), {
    web: 'node server.js',
    worker: 'bin/worker --fast',
  });
  assert.deepEqual(parseDefaultProcessTypes('default_process_types: {}\n'), {});
  assert.deepEqual(parseDefaultProcessTypes('--- {}\n'), {});
  assert.deepEqual(parseDefaultProcessTypes("default_process_types:\n  # comment\n  web: 'bin/start -p $PORT'\n  bad name: x\n"), { web: 'bin/start -p $PORT' });
});
