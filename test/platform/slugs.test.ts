/**
 * platform/slugs/: what goes into a slug (listSlugFiles), sizes (classify, formatSize,
 * predictSlugSize, the largest contributors), and the pieces of the slug writer that a build
 * test cannot pin down on its own: tar headers as GNU tar reads them, and chunk boundaries
 * that stay put when one file changes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { BIG_FILE, PIECE_BYTES, chunkKey, planChunks } from '../../platform/slugs/chunk-plan';
import { topContributors } from '../../platform/slugs/contributors';
import { listSlugFiles } from '../../platform/shared/slug-files';
import { streamMembers } from '../../platform/slugs/member-stream';
import { classify, formatSize } from '../../platform/shared/size';
import { predictSlugSize } from '../../platform/shared/slug-estimate';
import { SlugFileWriter } from '../../platform/slugs/slug-file';
import { SlugHistory } from '../../platform/slugs/slug-history';
import { encodeHeader } from '../../platform/slugs/tar-header';
import { ListingCache, compareEntries, walkTree, type TreeEntry } from '../../platform/slugs/tree';
import { fixtureCopy, tempDir } from '../helpers/tmp';

const MiB = 1024 * 1024;

function gnuTar(args: string[], cwd?: string): string {
  const r = spawnSync('tar', args, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `tar ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

void test('listSlugFiles: node-web-worker without test/ and design.psd (its .slugignore), sorted, files only', async (t) => {
  const dir = fixtureCopy(t, 'node-web-worker');
  const { files, warnings } = await listSlugFiles(dir);
  assert.deepEqual(
    files.map((f) => f.path),
    ['.slugignore', 'Procfile', 'lib/greeting.js', 'package.json', 'server.js', 'worker.js'],
  );
  assert.deepEqual(warnings, []);
  const server = files.find((f) => f.path === 'server.js');
  assert.ok(server);
  assert.equal(server.kind, 'file');
  assert.equal(server.size, readFileSync(join(dir, 'server.js')).length);
  assert.equal(typeof server.mtimeMs, 'number');
  assert.ok(server.ino > 0);
  assert.equal(server.mode & 0o777, 0o644);
});

void test('listSlugFiles: never .git, links as links, code-unit order, `!` lines are SI001 warnings', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, '.git', 'objects'), { recursive: true });
  writeFileSync(join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  mkdirSync(join(dir, 'a'));
  writeFileSync(join(dir, 'a', 'b'), 'x');
  writeFileSync(join(dir, 'a-b'), 'x');
  writeFileSync(join(dir, 'B'), 'x');
  writeFileSync(join(dir, 'keep.log'), 'x');
  writeFileSync(join(dir, 'drop.log'), 'x');
  symlinkSync('a/b', join(dir, 'link'));
  symlinkSync('a', join(dir, 'dirlink')); // a link to a directory is a link, never followed
  writeFileSync(join(dir, '.slugignore'), '*.log\n!keep.log\n');
  const { files, warnings } = await listSlugFiles(dir);
  assert.deepEqual(
    files.map((f) => f.path),
    ['.slugignore', 'B', 'a-b', 'a/b', 'dirlink', 'link'],
  );
  const link = files.find((f) => f.path === 'link');
  assert.equal(link?.kind, 'symlink');
  assert.equal(link?.target, 'a/b');
  assert.equal(files.find((f) => f.path === 'dirlink')?.kind, 'symlink');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^\.slugignore:2:1: error SI001: /);
});

void test('walkTree: entryKey order (a directory right before its contents) from per-directory sorts', async (t) => {
  const dir = tempDir(t);
  for (const d of ['a/x', 'a.b', 'a b', 'empty', 'é/deep/er']) mkdirSync(join(dir, d), { recursive: true });
  for (const f of ['a.js', 'a-b', 'a0', 'Z', '_', 'a/x/y', 'a/😀', 'a/x.js', 'é/deep/er/f', 'é/e']) writeFileSync(join(dir, f), 'x');
  symlinkSync('a.js', join(dir, 'a.link'));
  const { entries } = await walkTree(dir);
  assert.deepEqual(
    entries.map((e) => (e.kind === 'dir' ? `${e.path}/` : e.path)),
    ['Z', '_', 'a b/', 'a-b', 'a.b/', 'a.js', 'a.link', 'a/', 'a/x.js', 'a/x/', 'a/x/y', 'a/😀', 'a0', 'empty/', 'é/', 'é/deep/', 'é/deep/er/', 'é/deep/er/f', 'é/e'],
  );
  assert.deepEqual(entries, [...entries].sort(compareEntries), 'the order compareEntries defines');
});

void test('walkTree with kept listings: unchanged directories are not read again; added, removed and renamed entries are seen', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'lib', 'deep'), { recursive: true });
  for (const f of ['a.js', 'lib/b.js', 'lib/deep/c.js']) writeFileSync(join(dir, f), f);
  const paths = async (listings?: ListingCache): Promise<string[]> => (await walkTree(dir, { listings })).entries.map((e) => `${e.path}:${e.kind}:${e.size}`);

  // a directory that changed within settledMs is read every time (its times may not show the next change)
  const fresh = new ListingCache();
  assert.notEqual(fresh.read(join(dir, 'lib')), fresh.read(join(dir, 'lib')));
  assert.deepEqual(await paths(fresh), await paths());

  const kept = new ListingCache(0);
  assert.equal(kept.read(join(dir, 'lib')), kept.read(join(dir, 'lib')));
  assert.deepEqual(await paths(kept), await paths());
  writeFileSync(join(dir, 'lib', 'b.js'), 'a file changes without its directory'); // still stat'ed
  assert.deepEqual(await paths(kept), await paths());

  // changes made a clock tick (or more) after the listing was kept change the directory's times
  const changed = Math.max(...[dir, join(dir, 'lib'), join(dir, 'lib', 'deep')].map((d) => statSync(d).ctimeMs));
  while (Date.now() < changed + 20) await nextTurn();
  writeFileSync(join(dir, 'lib', 'new.js'), 'new');
  renameSync(join(dir, 'lib', 'deep', 'c.js'), join(dir, 'lib', 'deep', 'd.js'));
  rmSync(join(dir, 'a.js'));
  mkdirSync(join(dir, 'lib', 'deep', 'deeper'));
  const after = await paths(kept);
  assert.deepEqual(after, await paths());
  assert.ok(after.includes('lib/new.js:file:3') && after.includes('lib/deep/d.js:file:13') && after.includes('lib/deep/deeper:dir:0'));
  assert.ok(!after.some((p) => p.startsWith('a.js') || p.startsWith('lib/deep/c.js')));
});

void test('classify and formatSize: Heroku classes and binary units', () => {
  assert.equal(classify(0), 'small');
  assert.equal(classify(15 * MiB - 1), 'small');
  assert.equal(classify(15 * MiB), 'average');
  assert.equal(classify(90 * MiB - 1), 'average');
  assert.equal(classify(90 * MiB), 'weighty');
  assert.equal(formatSize(0), '0B');
  assert.equal(formatSize(900), '900B');
  assert.equal(formatSize(1023), '1023B');
  assert.equal(formatSize(1024), '1K');
  assert.equal(formatSize(512 * 1024), '512K');
  assert.equal(formatSize(Math.round(8.3 * MiB)), '8.3M');
  assert.equal(formatSize(Math.round(1.2 * 1024 * MiB)), '1.2G');
  assert.equal(formatSize(1024 * 1024 - 10), '1M', '1023.99K rounds up to the next unit');
  assert.equal(formatSize(300 * MiB), '300M');
});

void test('topContributors: largest first, never a folder and its only child, parts of a listed folder kept', () => {
  const top = topContributors(
    new Map([
      ['public/assets/video.mp4', 80],
      ['node_modules/typescript/lib/tsc.js', 20],
      ['node_modules/typescript/package.json', 1],
      ['node_modules/left-pad/index.js', 1],
      ...Array.from({ length: 30 }, (_, i): [string, number] => [`node_modules/m${i}/index.js`, 1]),
      ['index.js', 2],
    ]),
  );
  const paths = top.map((c) => c.path);
  assert.equal(paths[0], 'public/assets/video.mp4', 'a chain of only children shows the deepest, the thing itself');
  assert.ok(!paths.includes('public') && !paths.includes('public/assets'));
  assert.equal(paths[1], 'node_modules');
  assert.ok(paths.includes('node_modules/typescript'), 'a big part of a listed folder is listed');
  assert.ok(!paths.includes('node_modules/typescript/lib'), 'not both typescript and its 95% lib/');
  assert.ok(!paths.includes('node_modules/typescript/lib/tsc.js'));
  assert.ok(top.length <= 10);
  for (let i = 1; i < top.length; i++) assert.ok(top[i - 1].bytes >= top[i].bytes);
});

void test('topContributors: the same list when picking goes far down the candidates', () => {
  // 30 files at the end of chains of only children: every folder of a chain is redundant, so
  // the ten picks take about fifty candidates
  const perPath = new Map(Array.from({ length: 30 }, (_, i): [string, number] => [`p${String(i).padStart(2, '0')}/b/c/d/file.js`, 100 + i]));
  const top = topContributors(perPath);
  assert.deepEqual(
    top.map((c) => c.path),
    Array.from({ length: 10 }, (_, i) => `p${29 - i}/b/c/d/file.js`),
  );
  assert.deepEqual(
    top.map((c) => c.bytes),
    Array.from({ length: 10 }, (_, i) => 129 - i),
  );
});

void test('tar headers: GNU tar reads short, long (pax), non-ASCII names and link targets as written', (t) => {
  const dir = tempDir(t);
  const long = `${'deep/'.repeat(30)}file-with-a-long-name.txt`; // 175 bytes
  const entries: TreeEntry[] = [
    { path: 'deep', kind: 'dir', size: 0, mode: 0o755, mtimeMs: 0, ctimeMs: 0, ino: 0 },
    { path: long, kind: 'file', size: 3, mode: 0o644, mtimeMs: 0, ctimeMs: 0, ino: 1 },
    { path: 'héllo wörld.txt', kind: 'file', size: 3, mode: 0o755, mtimeMs: 0, ctimeMs: 0, ino: 2 },
    { path: 'link', kind: 'symlink', size: 1, mode: 0o777, mtimeMs: 0, ctimeMs: 0, ino: 3, target: `../${'t'.repeat(120)}` },
  ];
  const tar = Buffer.concat([...entries.flatMap((e) => [encodeHeader(e), ...(e.kind === 'file' ? [Buffer.from('abc'), Buffer.alloc(509)] : [])]), Buffer.alloc(1024)]);
  writeFileSync(join(dir, 'x.tar'), tar);
  const listing = gnuTar(['-tvf', join(dir, 'x.tar')]).trim().split('\n');
  assert.equal(listing.length, 4);
  assert.match(listing[0], /^drwxr-xr-x 0\/0 +0 1980-01-01 00:00 \.\/deep\/$/);
  assert.ok(listing[1].endsWith(` ./${long}`), listing[1]);
  assert.match(listing[2], /^-rwxr-xr-x 0\/0 +3 1980-01-01 00:00 \.\/héllo wörld\.txt$/);
  assert.ok(listing[3].endsWith(`./link -> ../${'t'.repeat(120)}`), listing[3]);
});

function fakeTree(n: number): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (let i = 0; i < n; i++) entries.push({ path: `src/f${String(i).padStart(5, '0')}.js`, kind: 'file', size: 1000 + i, mode: 0o644, mtimeMs: 1, ctimeMs: 1, ino: i + 10 });
  entries.unshift({ path: 'src', kind: 'dir', size: 0, mode: 0o755, mtimeMs: 0, ctimeMs: 0, ino: 0 });
  return entries;
}

void test('chunk plan: boundaries depend on paths, so one changed or added file changes one chunk; big files are isolated', () => {
  const base = fakeTree(3000);
  const keys = (entries: TreeEntry[]): string[] => planChunks(entries).map(chunkKey);
  const before = keys(base);
  assert.ok(before.length > 10, `${before.length} chunks`);

  const touched = base.map((e) => (e.path === 'src/f01500.js' ? { ...e, mtimeMs: 2 } : e));
  const afterTouch = keys(touched);
  assert.equal(afterTouch.length, before.length);
  assert.equal(afterTouch.filter((k) => !before.includes(k)).length, 1, 'one chunk recompressed');

  const grown = base.map((e) => (e.path === 'src/f01500.js' ? { ...e, size: e.size + 5000 } : e));
  const afterGrow = keys(grown);
  assert.ok(afterGrow.filter((k) => !before.includes(k)).length <= 2);

  const added = [...base, { path: 'src/f01500a.js', kind: 'file' as const, size: 10, mode: 0o644, mtimeMs: 1, ctimeMs: 1, ino: 99999 }].sort((a, b) =>
    a.path < b.path ? -1 : 1,
  );
  const afterAdd = keys(added);
  assert.ok(afterAdd.filter((k) => !before.includes(k)).length <= 2);

  const big: TreeEntry = { path: 'src/f01500b.bin', kind: 'file', size: BIG_FILE + 2 * PIECE_BYTES + 7, mode: 0o644, mtimeMs: 1, ctimeMs: 1, ino: 5 };
  const withBig = planChunks([...base, big].sort((a, b) => (a.path < b.path ? -1 : 1)));
  const pieces = withBig.filter((c) => c.kind === 'piece');
  assert.equal(pieces.length, Math.ceil(big.size / PIECE_BYTES));
  assert.equal(
    pieces.reduce((sum, c) => sum + c.bytes, 0),
    512 + Math.ceil(big.size / 512) * 512,
    'header, content and padding, in pieces',
  );
  const afterBig = withBig.map(chunkKey);
  assert.ok(afterBig.filter((k) => !before.includes(k)).length <= pieces.length + 2, 'its pieces, and the two halves of the run it split');
});

void test('chunk keys: every field of an entry that a member depends on changes the key', () => {
  const file: TreeEntry = { path: 'src/a.js', kind: 'file', size: 10, mode: 0o644, mtimeMs: 1.5, ctimeMs: 2.5, ino: 7 };
  const link: TreeEntry = { path: 'src/l', kind: 'symlink', size: 4, mode: 0o777, mtimeMs: 1, ctimeMs: 1, ino: 8, target: 'a.js' };
  const key = (entries: TreeEntry[]): string => chunkKey({ kind: 'entries', entries, lengths: entries.map(() => 512), bytes: 512 * entries.length });
  const base = key([file, link]);
  assert.equal(key([{ ...file }, { ...link }]), base, 'a pure function of the entries');
  const variants: TreeEntry[][] = [
    [{ ...file, path: 'src/b.js' }, link],
    [{ ...file, size: 11 }, link],
    [{ ...file, mode: 0o755 }, link],
    [{ ...file, mtimeMs: 1.6 }, link],
    [{ ...file, ctimeMs: 2.6 }, link],
    [{ ...file, ino: 9 }, link],
    [file, { ...link, target: 'b.js' }],
    [file, { ...link, kind: 'file', target: undefined }],
    [{ ...file, kind: 'dir' }, link],
    [file],
  ];
  const keys = variants.map(key);
  for (const [i, k] of keys.entries()) assert.notEqual(k, base, `variant ${i}`);
  assert.equal(new Set(keys).size, keys.length);
});

void test('predictSlugSize: what a build of the source would weigh, with its largest contributors', async (t) => {
  const dir = fixtureCopy(t, 'node-web-worker');
  const bigAsset = randomBytes(3 * MiB); // incompressible
  mkdirSync(join(dir, 'public', 'img'), { recursive: true });
  writeFileSync(join(dir, 'public', 'img', 'hero.bin'), bigAsset);
  const predicted = await predictSlugSize(dir);
  assert.equal(predicted.class, 'small');
  assert.ok(predicted.bytes > 1 * MiB && predicted.bytes < 4 * MiB, `${predicted.bytes}`);
  assert.equal(predicted.top[0].path, 'public/img/hero.bin');
  assert.ok(!predicted.top.some((c) => c.path === 'test' || c.path.startsWith('test/') || c.path === 'design.psd'));

  // the prediction is the size of the same members a build writes
  const { entries } = await walkTree(dir, {});
  const chunks: Buffer[] = [];
  const streamed = await streamMembers(planChunks(entries.filter((e) => !e.path.startsWith('test') && e.path !== 'design.psd')), {
    root: dir,
    sink: (m) => chunks.push(Buffer.from(m)),
  });
  assert.equal(streamed.bytes, predicted.bytes);
  writeFileSync(join(dir, '..', 'slug.tar.gz'), Buffer.concat(chunks));
  assert.ok(gnuTar(['-tzf', join(dir, '..', 'slug.tar.gz')]).includes('./public/img/hero.bin\n'));
});

void test('a slug started from an earlier one: the shared first members are copied, not rehashed, and the file is the same as writing it all', (t) => {
  const dir = tempDir(t, 'slipway-slug-history-');
  const members = [randomBytes(3000), randomBytes(5000), randomBytes(7000)];
  const history = new SlugHistory();
  const first = new SlugFileWriter(join(dir, 'a'));
  const hashes = members.map((m) => {
    first.write(m);
    return first.mark();
  });
  const a = first.finish();
  history.record('work', { path: a.path, keys: ['k1', 'k2', 'k3'], sizes: members.map((m) => m.length), hashes });

  // the next slug shares k1 and k2, then differs
  const changed = randomBytes(6000);
  const start = history.start('work', ['k1', 'k2', 'k9']);
  assert.ok(start, 'a start from the earlier slug');
  assert.deepEqual(start.written, [3000, 5000]);
  assert.equal(start.prefix.bytes, 8000);
  const next = new SlugFileWriter(join(dir, 'b'), start.prefix);
  assert.equal(next.size, 8000);
  next.write(changed);
  const b = next.finish();

  const whole = Buffer.concat([members[0], members[1], changed]);
  assert.deepEqual(readFileSync(b.path), whole);
  assert.equal(b.id, createHash('sha256').update(whole).digest('hex'));
  assert.equal(b.size, whole.length);

  assert.equal(history.start('work', ['k7', 'k2']), undefined, 'no shared first member: no start');
  rmSync(a.path);
  assert.equal(history.start('work', ['k1', 'k2', 'k9']), undefined, 'the earlier slug is gone: no start');
});
