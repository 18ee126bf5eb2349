/**
 * platform/builds/: buildSlug end to end on real temporary directories, with GNU tar as the
 * reader of every slug (list, then extract and compare byte for byte with the source), the
 * incremental build dir, the npm step against the real registry, and the failure modes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { syncBuildDir } from '../../platform/builds/build-dir-sync';
import { BuildCaches, BuildError, buildSlug, type BuildOptions, type BuildResult } from '../../platform/builds/build';

/** What a platform keeps between builds: one for the whole file, as one platform would. */
const caches = new BuildCaches();
import { satisfiesRange } from '../../platform/builds/engines';
import { planChunks } from '../../platform/slugs/chunk-plan';
import { streamMembers } from '../../platform/slugs/member-stream';
import { TimeSlice } from '../../platform/slugs/time-slice';
import { walkTree } from '../../platform/slugs/tree';
import { ROOT, fixtureCopy, tempDir } from '../helpers/tmp';

const MiB = 1024 * 1024;

interface Setup {
  source: string;
  workDir: string;
  slugsDir: string;
  lines: string[];
  opts: (more?: Partial<BuildOptions>) => BuildOptions;
}

function setup(t: TestContext, source: string): Setup {
  const dir = tempDir(t, 'slipway-build-');
  const lines: string[] = [];
  const s: Setup = {
    source,
    workDir: join(dir, 'work'),
    slugsDir: join(dir, 'slugs'),
    lines,
    opts: (more = {}) => ({
      app: 'demo',
      sourceDir: source,
      workDir: s.workDir,
      slugsDir: s.slugsDir,
      env: {},
      softLimitBytes: 300 * MiB,
      hardLimitBytes: 500 * MiB,
      log: (l) => lines.push(l),
      caches,
      ...more,
    }),
  };
  return s;
}

function gnuTar(args: string[]): string {
  const r = spawnSync('tar', args, { encoding: 'utf8', maxBuffer: 64 * MiB });
  assert.equal(r.status, 0, `tar ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const listSlug = (file: string): string[] => gnuTar(['-tzf', file]).split('\n').filter(Boolean);

function extractSlug(t: TestContext, file: string): string {
  const dir = tempDir(t, 'slipway-extract-');
  gnuTar(['-xzf', file, '-C', dir]);
  return dir;
}

/** path → what a slug must hold for it: contents, link target, exec bit, or a directory. */
function snapshot(dir: string, skip: (path: string) => boolean = () => false): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      if (skip(path)) continue;
      const st = lstatSync(join(dir, path));
      if (st.isSymbolicLink()) out.set(path, `link ${readlinkSync(join(dir, path))}`);
      else if (st.isDirectory()) {
        out.set(path, 'dir');
        walk(path);
      } else {
        const sha = createHash('sha256').update(readFileSync(join(dir, path))).digest('hex');
        out.set(path, `file ${st.mode & 0o111 ? 'x' : '-'} ${sha}`);
      }
    }
  };
  walk('');
  return out;
}

const slugFiles = (slugsDir: string): string[] => (existsSync(slugsDir) ? readdirSync(slugsDir) : []);

async function buildError(p: Promise<BuildResult>): Promise<BuildError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof BuildError, `a BuildError, got ${String(err)}`);
    return err;
  }
  assert.fail('the build should have failed');
}

const sha256File = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

void test('node-web-worker: Heroku-shaped output; GNU tar lists the slug and extracts the source minus .slugignore', async (t) => {
  const s = setup(t, fixtureCopy(t, 'node-web-worker'));
  const sourceBefore = snapshot(s.source);
  const r = await buildSlug(s.opts());

  assert.deepEqual(s.lines.slice(0, -1), [
    '-----> Building on the Slipway stack',
    '-----> Node.js app detected',
    '-----> Installing dependencies',
    '       package.json declares no dependencies: nothing to install',
    '-----> Discovering process types',
    '       Procfile declares types -> web, worker',
    '-----> Compressing...',
  ]);
  assert.match(s.lines.at(-1) ?? '', /^-----> Compiled slug size is \d+(\.\d)?[BKM]$/);
  assert.deepEqual(r.processTypes, { web: 'node server.js', worker: 'node worker.js' });
  assert.equal(r.buildpack, 'node');
  assert.equal(r.class, 'small');
  assert.deepEqual(r.warnings, []);
  assert.ok(r.top.length > 0 && r.top.every((c) => !c.path.startsWith('test') && c.path !== 'design.psd'));

  assert.equal(r.slug.path, join(s.slugsDir, `${r.slug.id}.tar.gz`));
  assert.equal(sha256File(r.slug.path), r.slug.id);
  assert.equal(statSync(r.slug.path).size, r.slug.size);
  assert.deepEqual(slugFiles(s.slugsDir), [`${r.slug.id}.tar.gz`], 'no temporary file left');

  assert.deepEqual(listSlug(r.slug.path), ['./', './.slugignore', './Procfile', './lib/', './lib/greeting.js', './package.json', './server.js', './worker.js']);
  const verbose = gnuTar(['-tvzf', r.slug.path]).trim().split('\n');
  for (const line of verbose) assert.match(line, /^[d-]rw[x-]r-[x-]r-[x-] 0\/0 +\d+ 1980-01-01 00:00 \.\//, line);

  const extracted = extractSlug(t, r.slug.path);
  const expected = new Map([...sourceBefore].filter(([p]) => !(p === 'test' || p.startsWith('test/') || p === 'design.psd')));
  assert.deepEqual(snapshot(extracted), expected);
  assert.deepEqual(snapshot(s.source), sourceBefore, 'the source is never modified');
});

void test('determinism: the same source gives the same slug, whatever the work dir held', async (t) => {
  const source = fixtureCopy(t, 'node-web-worker');
  const a = setup(t, source);
  const b = setup(t, source);
  const first = await buildSlug(a.opts());
  const again = await buildSlug(a.opts());
  const elsewhere = await buildSlug(b.opts());
  assert.equal(again.slug.id, first.slug.id);
  assert.equal(elsewhere.slug.id, first.slug.id);
  // a different checkout of the same files (new inodes, other mtimes) too
  const copy = fixtureCopy(t, 'node-web-worker');
  utimesSync(join(copy, 'server.js'), new Date(2001, 1, 1), new Date(2001, 1, 1));
  const c = setup(t, copy);
  assert.equal((await buildSlug(c.opts())).slug.id, first.slug.id);
});

void test('rebuild after one change: only its chunk is compressed again, the slug extracts to the new source and equals a cold build', async (t) => {
  const source = join(tempDir(t, 'slipway-tree-'), 'app');
  const made = spawnSync(process.execPath, [join(ROOT, 'test', 'fixtures', 'make-tree.js'), source, '--files', '1500', '--mb', '6'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const s = setup(t, source);
  const cold = await buildSlug(s.opts());
  const chunkDir = join(s.workDir, 'chunks');
  const chunksBefore = new Set(readdirSync(chunkDir));
  assert.ok(chunksBefore.size > 10, `${chunksBefore.size} chunks`);
  assert.equal(listSlug(cold.slug.path).length, 1 + 1503 + 1 + 500 * 3 + 2, 'root, files, vendor/, packages and their lib/ and dist/, public/, public/assets/');

  // same size, new content: only the mtime (and ctime) tell; set the mtime explicitly
  const victim = join(source, 'vendor', 'pkg7', 'dist', 'file7.js');
  const old = readFileSync(victim);
  const changed = Buffer.from(old.toString('utf8').split('').reverse().join(''));
  assert.equal(changed.length, old.length);
  writeFileSync(victim, changed);
  utimesSync(victim, new Date(2030, 0, 1), new Date(2030, 0, 1));
  const linesBefore = s.lines.length;
  const rebuilt = await buildSlug(s.opts());
  assert.notEqual(rebuilt.slug.id, cold.slug.id);
  const chunksAfter = new Set(readdirSync(chunkDir));
  const fresh = [...chunksAfter].filter((c) => !chunksBefore.has(c));
  assert.equal(fresh.length, 1, 'one member compressed again');
  assert.equal(chunksAfter.size, chunksBefore.size, 'the stale member is pruned');
  assert.ok(s.lines.slice(linesBefore).includes('-----> Compressing...'));

  // the rebuild started from the cold slug's unchanged first members (slug-history.ts): its id
  // is still the SHA-256 of the file's bytes
  assert.equal(createHash('sha256').update(readFileSync(rebuilt.slug.path)).digest('hex'), rebuilt.slug.id);
  const extracted = extractSlug(t, rebuilt.slug.path);
  assert.deepEqual(readFileSync(join(extracted, 'vendor', 'pkg7', 'dist', 'file7.js')), changed);
  assert.deepEqual(snapshot(extracted), snapshot(source));

  // an added and a deleted file
  writeFileSync(join(source, 'vendor', 'pkg3', 'lib', 'added.js'), 'module.exports = 42;\n');
  rmSync(join(source, 'public', 'assets', 'asset1.bin'));
  const third = await buildSlug(s.opts());
  assert.deepEqual(snapshot(extractSlug(t, third.slug.path)), snapshot(source));

  const coldAgain = await buildSlug(setup(t, source).opts());
  assert.equal(third.slug.id, coldAgain.slug.id, 'cached members give the same bytes as a cold build');
  assert.deepEqual(readFileSync(third.slug.path), readFileSync(coldAgain.slug.path));
});

void test('an invalid Procfile fails the build with every error as file:line:col, and no slug', async (t) => {
  const source = fixtureCopy(t, 'node-web-worker');
  writeFileSync(join(source, 'Procfile'), 'web: node server.js\nworker node worker.js\nweb: node again.js\n');
  const s = setup(t, source);
  const err = await buildError(buildSlug(s.opts()));
  assert.equal(err.code, 'procfile_invalid');
  assert.match(err.message, /^Procfile:2:1: error PF001: .*fix: /m);
  assert.match(err.message, /^Procfile:3:1: error PF004: .*line 1/m);
  assert.deepEqual(slugFiles(s.slugsDir), []);
  assert.ok(!s.lines.includes('-----> Compressing...'));
});

void test('a missing source directory is source_missing', async (t) => {
  const s = setup(t, join(tempDir(t), 'nope'));
  const err = await buildError(buildSlug(s.opts()));
  assert.equal(err.code, 'source_missing');
  assert.ok(err.message.includes(s.source));
});

void test('size limits: a warning with the largest contributors above the soft limit; slug_too_large and no file above the hard one', async (t) => {
  const source = fixtureCopy(t, 'static-site');
  mkdirSync(join(source, 'media'));
  writeFileSync(join(source, 'media', 'intro.mp4'), Buffer.alloc(2 * MiB, 7).map((_, i) => (i * 7919) % 251));
  const s = setup(t, source);
  const soft = await buildSlug(s.opts({ softLimitBytes: 1024 }));
  assert.equal(soft.buildpack, 'plain');
  assert.match(soft.warnings.join('\n'), /above the soft limit \(1K\)/);
  const at = s.lines.findIndex((l) => l.startsWith(' !     Warning: the slug'));
  assert.ok(at > 0 && s.lines[at - 1].startsWith('-----> Compiled slug size is'));
  assert.ok(s.lines.slice(at).some((l) => l.endsWith('media/intro.mp4')));

  const hard = setup(t, source);
  const err = await buildError(buildSlug(hard.opts({ hardLimitBytes: 4096 })));
  assert.equal(err.code, 'slug_too_large');
  assert.match(err.message, /^Compiled slug size: [\d.]+[KM] is too large \(max is 4K\)\. Largest contributors: media\/intro\.mp4 /);
  assert.deepEqual(slugFiles(hard.slugsDir), [], 'no slug file, not even a temporary one');
});

void test('node-express: npm ci of the lockfile into the build dir; the next build reuses node_modules and syncs only what changed', async (t) => {
  const source = fixtureCopy(t, 'node-express');
  const s = setup(t, source);
  const first = await buildSlug(s.opts());
  const out = s.lines.join('\n');
  assert.match(out, /^-----> Installing dependencies\n {7}npm ci --omit=dev\n/m);
  assert.ok(!s.lines.some((l) => l.trim() === ''), 'no blank lines');
  assert.match(out, /^ {7}added \d+ packages?/m);
  assert.deepEqual(first.processTypes, { web: 'node index.js' });
  const listing = listSlug(first.slug.path);
  assert.ok(listing.includes('./node_modules/express/package.json'));
  assert.ok(!listing.includes('./package-lock.json') || existsSync(join(source, 'package-lock.json')));
  assert.ok(first.top.some((c) => c.path === 'node_modules'));

  const buildIndex = join(s.workDir, 'build', 'index.js');
  writeFileSync(join(source, 'index.js'), `${readFileSync(join(source, 'index.js'), 'utf8')}// v2\n`);
  utimesSync(join(source, 'index.js'), new Date(2031, 0, 1), new Date(2031, 0, 1));
  writeFileSync(join(source, 'extra.txt'), 'extra');
  const linesBefore = s.lines.length;
  const second = await buildSlug(s.opts());
  const secondOut = s.lines.slice(linesBefore).join('\n');
  assert.match(secondOut, /unchanged since the last install: using the cached node_modules/);
  assert.doesNotMatch(secondOut, /added \d+ packages/);
  assert.equal(statSync(buildIndex).mtimeMs, statSync(join(source, 'index.js')).mtimeMs, 'the copy keeps the mtime');
  assert.match(readFileSync(buildIndex, 'utf8'), /\/\/ v2\n$/);
  assert.ok(listSlug(second.slug.path).includes('./extra.txt'));

  rmSync(join(source, 'extra.txt'));
  const third = await buildSlug(s.opts());
  assert.ok(!existsSync(join(s.workDir, 'build', 'extra.txt')), 'a vanished source file leaves the build dir');
  assert.ok(existsSync(join(s.workDir, 'build', 'node_modules', 'express')), 'build outputs stay');
  const extracted = extractSlug(t, third.slug.path);
  assert.deepEqual(
    snapshot(extracted, (p) => p === 'node_modules'),
    snapshot(source),
  );
  assert.deepEqual(snapshot(join(extracted, 'node_modules')), snapshot(join(s.workDir, 'build', 'node_modules')));
});

void test('a build that runs npm compresses while it copies; its slug is byte for byte what compressing the tree gives', async (t) => {
  const source = join(tempDir(t, 'slipway-tree-'), 'app');
  const made = spawnSync(process.execPath, [join(ROOT, 'test', 'fixtures', 'make-tree.js'), source, '--files', '300', '--mb', '2'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  // an install script makes npm run (nothing to install, so nothing is added to the tree)
  writeFileSync(join(source, 'package.json'), JSON.stringify({ name: 'bench-app', version: '1.0.0', private: true, scripts: { preinstall: 'node -e 0' } }));
  const s = setup(t, source);
  const r = await buildSlug(s.opts());
  assert.ok(s.lines.includes('       npm install --omit=dev'));
  assert.ok(existsSync(join(s.workDir, 'build', 'vendor', 'pkg1', 'dist', 'file1.js')), 'built in the build dir');

  const { entries } = await walkTree(source);
  const members: Buffer[] = [];
  await streamMembers(planChunks(entries), { root: source, sink: (m) => members.push(Buffer.from(m)) });
  assert.equal(createHash('sha256').update(Buffer.concat(members)).digest('hex'), r.slug.id);
});

void test('npm failures: npm_failed with npm output streamed; an abort kills npm (build_aborted); neither leaves a slug', async (t) => {
  const failing = join(tempDir(t), 'app');
  mkdirSync(failing);
  writeFileSync(
    join(failing, 'package.json'),
    JSON.stringify({ name: 'fails', version: '1.0.0', scripts: { preinstall: 'node -e "console.log(\'preinstall says no\'); process.exit(3)"' } }),
  );
  const f = setup(t, failing);
  const err = await buildError(buildSlug(f.opts()));
  assert.equal(err.code, 'npm_failed');
  assert.ok(f.lines.some((l) => l === '       preinstall says no'), f.lines.join('\n'));
  assert.deepEqual(slugFiles(f.slugsDir), []);

  const slow = join(tempDir(t), 'app');
  mkdirSync(slow);
  writeFileSync(
    join(slow, 'package.json'),
    JSON.stringify({ name: 'slow', version: '1.0.0', scripts: { preinstall: 'node -e "console.log(\'waiting\'); setTimeout(() => {}, 60000)"' } }),
  );
  const a = setup(t, slow);
  const controller = new AbortController();
  const aborted = buildError(
    buildSlug(
      a.opts({
        signal: controller.signal,
        log: (l) => {
          a.lines.push(l);
          if (l.endsWith('waiting')) controller.abort();
        },
      }),
    ),
  );
  const e = await aborted;
  assert.equal(e.code, 'build_aborted');
  assert.deepEqual(slugFiles(a.slugsDir), []);
});

void test('node step checks: node missing from the PATH, engines.node mismatch, default web type from the start script', async (t) => {
  const app = join(tempDir(t), 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0', scripts: { start: 'node .' }, engines: { node: '>=99' } }));
  writeFileSync(join(app, 'index.js'), 'console.log(1)\n');

  const missing = setup(t, app);
  const err = await buildError(buildSlug(missing.opts({ env: { PATH: tempDir(t) } })));
  assert.equal(err.code, 'node_missing');
  assert.match(err.message, /node and npm not found on the PATH/);

  const s = setup(t, app);
  const r = await buildSlug(s.opts());
  assert.match(r.warnings.join('\n'), /engines\.node is ">=99" but the node on the PATH is v\d+/);
  assert.ok(s.lines.some((l) => l.startsWith(' !     package.json engines.node')));
  assert.deepEqual(r.processTypes, { web: 'npm start' });
  assert.ok(s.lines.includes('       Default types for buildpack -> web'));
});

void test('plain apps: detected, types from the Procfile, a warning when nothing declares a process type', async (t) => {
  const site = setup(t, fixtureCopy(t, 'static-site'));
  const r = await buildSlug(site.opts());
  assert.equal(r.buildpack, 'plain');
  assert.ok(site.lines.includes('-----> Plain app detected'));
  assert.ok(!site.lines.some((l) => l.includes('Installing')));
  assert.deepEqual(r.processTypes, { web: 'python3 -m http.server $PORT --bind 127.0.0.1' });

  const bare = join(tempDir(t), 'app');
  mkdirSync(bare);
  writeFileSync(join(bare, 'README'), 'hi');
  writeFileSync(join(bare, '.slugignore'), '!README\n');
  const b = setup(t, bare);
  const nothing = await buildSlug(b.opts());
  assert.deepEqual(nothing.processTypes, {});
  assert.equal(nothing.warnings.length, 2);
  assert.match(nothing.warnings[0], /^\.slugignore:1:1: error SI001: /);
  assert.match(nothing.warnings[1], /No Procfile/);
  assert.ok(b.lines.some((l) => l.startsWith(' !     .slugignore:1:1')));
});

void test('files as they are: links stay links, modes 0755/0644, empty dirs, long and non-ASCII names, never .git', async (t) => {
  const app = join(tempDir(t), 'app');
  const long = `${'nested-directory/'.repeat(8)}a-file-whose-path-is-longer-than-one-hundred-bytes.js`;
  mkdirSync(join(app, long, '..'), { recursive: true });
  writeFileSync(join(app, long), 'long\n');
  writeFileSync(join(app, 'naïve café.txt'), 'unicode\n');
  writeFileSync(join(app, 'run.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(app, 'run.sh'), 0o700);
  writeFileSync(join(app, 'secret.txt'), 'mode 600\n');
  chmodSync(join(app, 'secret.txt'), 0o600);
  symlinkSync('run.sh', join(app, 'start'));
  symlinkSync('/etc/hostname', join(app, 'absolute-link'));
  symlinkSync('nested-directory', join(app, 'dir-link'));
  mkdirSync(join(app, 'empty', 'inner'), { recursive: true });
  mkdirSync(join(app, '.git'));
  writeFileSync(join(app, '.git', 'config'), '[core]\n');
  writeFileSync(join(app, 'Procfile'), 'web: ./run.sh\n');

  const s = setup(t, app);
  const r = await buildSlug(s.opts());
  const listing = listSlug(r.slug.path);
  assert.ok(listing.includes(`./${long}`));
  assert.ok(listing.includes('./empty/inner/'));
  assert.ok(!listing.some((p) => p.startsWith('./.git')));
  const verbose = gnuTar(['-tvzf', r.slug.path]);
  assert.match(verbose, /^-rwxr-xr-x 0\/0 .* \.\/run\.sh$/m);
  assert.match(verbose, /^-rw-r--r-- 0\/0 .* \.\/secret\.txt$/m);
  assert.match(verbose, /^lrwxrwxrwx 0\/0 .* \.\/start -> run\.sh$/m);

  const extracted = extractSlug(t, r.slug.path);
  assert.deepEqual(snapshot(extracted), snapshot(app, (p) => p === '.git'));
  assert.equal(readlinkSync(join(extracted, 'absolute-link')), '/etc/hostname');
});

void test("the platform's own dirs inside the app folder are never part of its slug", async (t) => {
  const app = fixtureCopy(t, 'static-site');
  const lines: string[] = [];
  const opts: BuildOptions = {
    app: 'demo',
    sourceDir: app,
    workDir: join(app, '.slipway', 'work'),
    slugsDir: join(app, '.slipway', 'slugs'),
    env: {},
    softLimitBytes: 300 * MiB,
    hardLimitBytes: 500 * MiB,
    log: (l) => lines.push(l),
  };
  await buildSlug(opts);
  const second = await buildSlug(opts);
  assert.deepEqual(listSlug(second.slug.path), ['./', './.slipway/', './Procfile', './index.html'], 'the work and slugs dirs are left out');
});

void test('build dir sync: copies what changed only, never writes through a link, follows kind changes', async (t) => {
  const source = join(tempDir(t), 'src');
  const work = tempDir(t);
  const buildDir = join(work, 'build');
  const manifestPath = join(work, 'manifest.json');
  mkdirSync(join(source, 'lib'), { recursive: true });
  writeFileSync(join(source, 'a.txt'), 'a');
  writeFileSync(join(source, 'lib', 'b.txt'), 'b');
  writeFileSync(join(source, 'c'), 'c is a file');
  const sync = async () => {
    const { entries } = await walkTree(source);
    return syncBuildDir({ sourceDir: source, buildDir, manifestPath, entries, slice: new TimeSlice() });
  };
  const first = await sync();
  assert.equal(first.fresh, true);
  assert.equal(first.copied, 4);
  assert.equal((await sync()).copied, 0, 'nothing changed, nothing copied');

  // a build step made something, and put a link where a source file will appear
  const outside = join(tempDir(t), 'outside.txt');
  writeFileSync(outside, 'must not change');
  mkdirSync(join(buildDir, 'node_modules'));
  writeFileSync(join(buildDir, 'node_modules', 'dep.js'), 'dep');
  symlinkSync(outside, join(buildDir, 'new.txt'));
  writeFileSync(join(source, 'new.txt'), 'new');
  writeFileSync(join(source, 'a.txt'), 'A');
  utimesSync(join(source, 'a.txt'), new Date(2020, 0, 1), new Date(2020, 0, 1));
  rmSync(join(source, 'c'));
  mkdirSync(join(source, 'c'));
  writeFileSync(join(source, 'c', 'd.txt'), 'c is a directory now');
  rmSync(join(source, 'lib'), { recursive: true });

  const second = await sync();
  assert.equal(second.copied, 4, 'a.txt, new.txt, c/ and c/d.txt');
  assert.equal(readFileSync(outside, 'utf8'), 'must not change');
  assert.equal(readFileSync(join(buildDir, 'new.txt'), 'utf8'), 'new');
  assert.ok(!lstatSync(join(buildDir, 'new.txt')).isSymbolicLink());
  assert.equal(readFileSync(join(buildDir, 'a.txt'), 'utf8'), 'A');
  assert.equal(statSync(join(buildDir, 'a.txt')).mtimeMs, new Date(2020, 0, 1).getTime());
  assert.equal(readFileSync(join(buildDir, 'c', 'd.txt'), 'utf8'), 'c is a directory now');
  assert.ok(!existsSync(join(buildDir, 'lib')));
  assert.equal(readFileSync(join(buildDir, 'node_modules', 'dep.js'), 'utf8'), 'dep', 'build outputs stay');

  // an interrupted sync (no manifest) starts afresh
  rmSync(manifestPath);
  const third = await sync();
  assert.equal(third.fresh, true);
  assert.ok(!existsSync(join(buildDir, 'node_modules')));
});

void test('engines.node ranges', () => {
  const cases: [string, string, boolean | undefined][] = [
    ['v20.11.1', '>=20', true],
    ['v20.11.1', '>=22', false],
    ['v20.11.1', '^20.10.0', true],
    ['v20.11.1', '^18 || ^20', true],
    ['v20.11.1', '18.x', false],
    ['v20.11.1', '20.x', true],
    ['v20.11.1', '~20.11.0', true],
    ['v20.11.1', '~20.10', false],
    ['v20.11.1', '>=18 <21', true],
    ['v20.11.1', '>= 18 < 20', false],
    ['v20.11.1', '16 - 20', true],
    ['v20.11.1', '16 - 19.9', false],
    ['v20.11.1', '*', true],
    ['v20.11.1', '', true],
    ['v20.11.1', '20.11.1', true],
    ['v20.11.1', 'lts/iron', undefined],
  ];
  for (const [version, range, expected] of cases) assert.equal(satisfiesRange(version, range), expected, `${version} in "${range}"`);
});
