/**
 * State durability (PLATFORM.md): damaged or missing state stops the start with a message that
 * names the file and the way to recover, and deletes nothing; what no release mentions is moved
 * aside and listed, never deleted; platform:backup / platform:restore round-trip the state.
 * One real state is made once (three apps, two slugs, releases written in two sessions so that
 * there are both tables and a write-ahead log) and each case damages a fresh copy of it.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, lstatSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join, relative } from 'node:path';
import { before, test } from 'node:test';
import { Level } from 'level';
import { build } from '../../platform/app';
import { SlipwayClient } from '../../platform/api/client';
import type { PlatformError } from '../../platform/errors';
import { cliHome } from '../helpers/cli';
import { startPlatform } from '../helpers/platform';
import { fixtureCopy, tempDir } from '../helpers/tmp';

const settings = { apiPort: 0, routerPort: 0 };
let seedHome = '';
let seedReleases = 0;
const cleanup: (() => void)[] = [];
process.on('exit', () => cleanup.forEach((f) => f()));

/** An app whose only process type is a worker (formation worker=0: no dyno runs). */
function workerApp(t: { after(fn: () => void): void }, marker: string): string {
  const dir = fixtureCopy(t, 'static-site');
  writeFileSync(join(dir, 'Procfile'), 'worker: sleep 3600\n');
  writeFileSync(join(dir, 'marker.txt'), marker);
  return dir;
}

before(async () => {
  const keeper = { after: (fn: () => void) => void cleanup.push(fn) };
  seedHome = tempDir(keeper, 'slipway-seed-');
  const session = async (fn: (c: SlipwayClient) => Promise<void>) => {
    const p = await build({ home: seedHome, settings });
    const { url } = await p.listen();
    try {
      await fn(new SlipwayClient({ url, token: p.token }));
    } finally {
      await p.close();
    }
  };
  await session(async (c) => {
    for (const name of ['alpha', 'beta', 'gamma']) await c.createApp(name);
    await c.deploy('alpha', workerApp(keeper, 'a'));
    await c.deploy('beta', workerApp(keeper, 'b'));
    for (let i = 0; i < 5; i++) await c.changeConfig('alpha', { set: { N: String(i) } });
    await c.changeConfig('gamma', { set: { ONLY: 'config' } });
  });
  // a second session: the first one's log is now a table, these writes are in the new log
  await session(async (c) => {
    for (let i = 0; i < 4; i++) await c.changeConfig('beta', { set: { M: String(i) } });
    seedReleases = (await c.releases('alpha')).length + (await c.releases('beta')).length;
  });
});

/** A copy of the seed state, removed at exit (after the platform on it has closed). */
function copyHome(): string {
  const home = tempDir({ after: (fn: () => void) => void cleanup.push(fn) }, 'slipway-damaged-');
  cpSync(seedHome, home, { recursive: true, filter: (src) => !lstatSync(src).isFIFO() });
  return home;
}

/** Every file under db/ and slugs/ with its size: what a refused start must leave as it was. */
function files(home: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name !== 'LOCK' && name !== 'LOG' && name !== 'LOG.old') out[relative(home, p)] = statSync(p).size;
    }
  };
  walk(join(home, 'db'));
  walk(join(home, 'slugs'));
  return out;
}

const dbFile = (home: string, re: RegExp) => {
  const name = readdirSync(join(home, 'db')).find((n) => re.test(n));
  assert.ok(name, `the seed state has a file matching ${re}`);
  return join(home, 'db', name);
};

/** Damages a copy with `damage`, then expects the start to be refused with `message` and nothing deleted. */
async function refused(damage: (home: string) => void, message: RegExp): Promise<string> {
  const home = copyHome();
  damage(home);
  const before = files(home);
  let text = '';
  await assert.rejects(build({ home, settings }), (err: PlatformError) => {
    text = err.message;
    return err.code === 'state_damaged';
  });
  assert.match(text, message);
  assert.match(text, /slipway platform:restore FILE/, 'the message names the way to recover');
  assert.match(text, /Nothing was changed or deleted/);
  assert.deepEqual(files(home), before, 'a refused start changes and deletes nothing');
  assert.equal(readdirSync(join(home, 'slugs')).filter((n) => n.endsWith('.tar.gz')).length, 2, 'both slugs are still there');
  return text;
}

void test('CURRENT deleted: refused, naming CURRENT (LevelDB would start an empty database over the tables)', async () => {
  await refused((home) => rmSync(join(home, 'db', 'CURRENT')), /db\/CURRENT is missing/);
});

void test('the whole database deleted: refused, because slugs and app files say there was state', async () => {
  await refused((home) => rmSync(join(home, 'db'), { recursive: true }), /state database .*db is missing or empty.*had state when it last stopped/);
  // without the clean-stop record (after a crash), the slugs are the evidence
  await refused(
    (home) => {
      rmSync(join(home, 'db'), { recursive: true });
      rmSync(join(home, 'state-closed.json'));
    },
    /is missing or empty, but there are 2 slug\(s\) in/,
  );
});

void test('the MANIFEST deleted: refused, naming it', async () => {
  await refused((home) => rmSync(dbFile(home, /^MANIFEST-/)), /MANIFEST-\d+, which .*CURRENT names, is missing/);
});

void test('a cut write-ahead log: refused, naming the .log file', async () => {
  const text = await refused((home) => truncateSync(dbFile(home, /\.log$/), statSync(dbFile(home, /\.log$/)).size - 9), /\d+\.log has \d+ bytes, but had \d+ when the platform last stopped cleanly/);
  assert.match(text, /cut or overwritten/);
});

void test('garbage in the write-ahead log: refused, naming the .log file and the byte', async () => {
  await refused(
    (home) => {
      const log = dbFile(home, /\.log$/);
      const fd = openSync(log, 'r+');
      writeSync(fd, Buffer.from('garbage!'), 0, 8, Math.floor(statSync(log).size / 2));
      closeSync(fd);
    },
    /the write-ahead log .*\d+\.log is damaged: .* at byte \d+/,
  );
});

void test('a damaged table (.ldb): refused, naming the file, where LevelDB said only "corrupted compressed block contents"', async () => {
  await refused(
    (home) => {
      const table = dbFile(home, /\.ldb$/);
      const fd = openSync(table, 'r+');
      writeSync(fd, Buffer.alloc(16, 0x55), 0, 16, 40);
      closeSync(fd);
    },
    /the table .*\d+\.ldb is damaged: checksum mismatch in the data block at byte 0/,
  );
});

void test('a database that reads without error but lacks a release: refused, naming the app and the missing versions', async () => {
  const home = copyHome();
  rmSync(join(home, 'state-closed.json')); // the edit below changes the files' sizes
  const db = new Level<string, unknown>(join(home, 'db'), { valueEncoding: 'json' });
  await db.open();
  await db.del(`rel!alpha!${String(3).padStart(10, '0')}`);
  const records = async () => {
    const copy = new Level<string, unknown>(join(home, 'db'), { valueEncoding: 'json' });
    await copy.open();
    const all = await copy.iterator().all();
    await copy.close();
    return all;
  };
  await db.close();
  const before = await records();
  const slugs = readdirSync(join(home, 'slugs'));
  await assert.rejects(build({ home, settings }), (err: PlatformError) => err.code === 'state_damaged' && /app "alpha" has releases up to v6 but releases v3 are missing/.test(err.message) && /platform:restore/.test(err.message));
  // LevelDB's own open turned its log into a table (as every open does); no record changed
  assert.deepEqual(await records(), before, 'no record changed');
  assert.deepEqual(readdirSync(join(home, 'slugs')), slugs, 'no slug moved or deleted');
});

void test('after a crash, a log that ends inside a record (the unacknowledged write) starts without that write; versions stay contiguous', async (t) => {
  const home = copyHome();
  rmSync(join(home, 'state-closed.json')); // as after a kill -9
  const log = dbFile(home, /\.log$/);
  truncateSync(log, statSync(log).size - 3);
  const p = await startPlatform(t, { home });
  const releases = (await p.client.releases('alpha')).length + (await p.client.releases('beta')).length;
  assert.equal(releases, seedReleases, 'the release was reserved (pending) before the cut write');
  const [last, previous] = await p.client.releases('beta');
  assert.equal(last.status, 'failed', 'the cut write was the one that made it succeed: it never went live');
  assert.equal(previous.current, true, 'the release before it stays current');
});

void test('start-up never deletes a slug that no release mentions: it is moved aside and listed; a killed build\'s partial file is removed', async (t) => {
  const home = copyHome();
  const stray = join(home, 'slugs', `${'ab'.repeat(32)}.tar.gz`);
  writeFileSync(stray, 'a slug of a release that the state lost');
  writeFileSync(join(home, 'slugs', '.building-4242-0a1b2c3d4e5f.partial'), 'half a slug');
  const p = await startPlatform(t, { home });
  assert.equal(existsSync(join(home, 'slugs', '.building-4242-0a1b2c3d4e5f.partial')), false, 'the partial file of a killed build is removed');
  assert.equal(existsSync(stray), false);
  const status = await p.client.status();
  assert.equal(status.orphans.length, 1);
  assert.match(status.orphans[0].path, /orphans\/[0-9T-]+Z\/slugs\/(ab){32}\.tar\.gz$/);
  assert.equal(readFileSync(status.orphans[0].path, 'utf8'), 'a slug of a release that the state lost');
  assert.equal(readdirSync(join(home, 'slugs')).length, 2, 'the slugs that releases use stay');
  assert.equal((await p.client.releases('alpha')).length + (await p.client.releases('beta')).length, seedReleases);
});

void test('platform:backup and platform:restore (CLI): a consistent copy, restore refused while the platform runs, the replaced state kept aside', async (t) => {
  const h = cliHome(t);
  const app = workerApp(t, 'backup');
  assert.equal((await h.run(['apps:create', 'keep'])).code, 0);
  assert.equal((await h.run(['deploy', app, '-a', 'keep'])).code, 0);
  assert.equal((await h.run(['config:set', 'A=1', '-a', 'keep'])).code, 0);
  const file = join(tempDir(t), 'state.tar');
  const made = await h.json<{ file: string; apps: number; releases: number; slugs: number }>(['platform:backup', file]);
  assert.deepEqual({ ...made, file: undefined }, { file: undefined, apps: 1, releases: 2, slugs: 1, bytes: (made as unknown as { bytes: number }).bytes, createdAt: (made as unknown as { createdAt: string }).createdAt });
  assert.equal(made.file, file);
  const again = await h.run(['platform:backup', file, '--json']);
  assert.equal(again.code, 1);
  assert.match(again.stdout, /already exists; a backup never overwrites/);

  // changes after the backup, then a restore
  assert.equal((await h.run(['config:set', 'B=2', '-a', 'keep'])).code, 0);
  assert.equal((await h.run(['apps:create', 'later'])).code, 0);
  const whileRunning = await h.run(['platform:restore', file]);
  assert.equal(whileRunning.code, 1);
  assert.match(whileRunning.stderr, /is running \(pid \d+\).*stop it first: slipway platform:stop/);
  assert.equal((await h.run(['platform:stop'])).code, 0);
  const restored = await h.json<{ releases: number; previousState: string }>(['platform:restore', file]);
  assert.equal(restored.releases, 2);
  assert.ok(existsSync(join(restored.previousState, 'db', 'CURRENT')), 'the replaced state is kept, not deleted');

  const apps = await h.json<{ name: string }[]>(['apps']);
  assert.deepEqual(apps.map((a) => a.name), ['keep']);
  assert.deepEqual(await h.json(['config', '-a', 'keep']), { A: '1' });
  const releases = await h.json<{ version: number; current: boolean }[]>(['releases', '-a', 'keep']);
  assert.deepEqual(releases.map((r) => [r.version, r.current]), [[2, true], [1, false]]);
});
