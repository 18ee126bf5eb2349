/**
 * The dyno manager with real processes, real ports and real slugs (GNU tar), on short
 * timeouts from the settings. Nothing sleeps: every wait is on a log line, a state change or
 * a promise (with a deadline that fails the test instead of hanging it).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { parseProcfile } from '../../platform/shared/procfile';
import { BACKOFF_CAP_MS, crashesInARow, restartDelayMs, STABLE_UP_MS } from '../../platform/dynos/crash-backoff';
import { DynoManager } from '../../platform/dynos/manager';
import { groupAlive } from '../../platform/dynos/process-group';
import { detectSandbox } from '../../platform/dynos/sandbox';
import type { DynoInfo, DynoSettings, ReleaseSpec } from '../../platform/dynos/types';
import { FIXTURES, ROOT } from '../helpers/tmp';

interface Line {
  app: string;
  source: 'app' | 'slipway';
  dyno: string;
  message: string;
}

const WAIT_MS = 15_000;

/** Each behaviour is tested sandboxed (where bubblewrap works) and as plain process groups. */
const MODES: boolean[] = detectSandbox() ? [true, false] : [false];

function eachMode(name: string, fn: (t: TestContext, sandbox: boolean) => Promise<void>): void {
  for (const sandbox of MODES) void test(`${name} (${sandbox ? 'sandboxed' : 'plain'})`, (t) => fn(t, sandbox));
}

/** A temp root, removed after the test (after the manager has stopped its dynos). */
function tempRoot(t: TestContext, cleanup: (() => Promise<void>)[]): string {
  const root = mkdtempSync(join(tmpdir(), 'slipway-dynos-'));
  t.after(async () => {
    for (const fn of cleanup) await fn();
    rmSync(root, { recursive: true, force: true });
  });
  return root;
}

function harness(t: TestContext, opts: { settings?: Partial<DynoSettings>; sandbox?: boolean } = {}) {
  const cleanup: (() => Promise<void>)[] = [];
  const root = tempRoot(t, cleanup);
  const settings: DynoSettings = { bootTimeoutS: 10, stopGraceS: 2, releasePhaseTimeoutS: 30, preboot: true, ...opts.settings };
  const lines: Line[] = [];
  const waiters = new Set<() => void>();
  const tick = () => {
    for (const w of [...waiters]) w();
  };
  const appsDir = join(root, 'apps');
  const stateDir = join(root, 'state');
  const manager = new DynoManager({
    appsDir,
    stateDir,
    settings: () => settings,
    log: (app, source, dyno, message) => {
      lines.push({ app, source, dyno, message });
      tick();
    },
    onChange: tick,
    sandbox: opts.sandbox,
  });
  cleanup.push(() => manager.stopAll());

  /** Resolves with the first truthy value of `probe`, checked on every log line and state change. */
  function until<T>(what: string, probe: () => T | undefined | null | false, ms = WAIT_MS): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (value) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        const recent = lines.slice(-15).map((l) => `${l.source}[${l.dyno}]: ${l.message}`).join('\n  ');
        reject(new Error(`timed out waiting for ${what}; last lines:\n  ${recent}`));
      }, ms);
      waiters.add(check);
      check();
    });
  }
  const find = (dyno: string, pattern: RegExp, source?: 'app' | 'slipway') =>
    lines.findIndex((l) => l.dyno === dyno && (source === undefined || l.source === source) && pattern.test(l.message));
  const logged = (dyno: string, pattern: RegExp, source?: 'app' | 'slipway') => until(`${dyno}: ${pattern}`, () => find(dyno, pattern, source) >= 0);
  const dyno = (app: string, name: string): DynoInfo | undefined => manager.list(app).find((d) => d.name === name);

  return { root, appsDir, stateDir, settings, manager, lines, until, logged, find, dyno };
}

/** A slug of a fixture (or of files given inline), made with GNU tar as the slug compiler does. */
function makeSlug(root: string, fixture: string, extra: Record<string, string> = {}): { slugPath: string; source: string; processTypes: Record<string, string> } {
  const source = join(root, 'src', `${fixture}-${randomBytes(3).toString('hex')}`);
  cpSync(join(FIXTURES, fixture), source, { recursive: true });
  for (const [file, text] of Object.entries(extra)) writeFileSync(join(source, file), text);
  mkdirSync(join(root, 'slugs'), { recursive: true });
  const slugPath = join(root, 'slugs', `${randomBytes(16).toString('hex')}.tar.gz`);
  execFileSync('tar', ['-czf', slugPath, '-C', source, '.']);
  const processTypes: Record<string, string> = {};
  const procfile = join(source, 'Procfile');
  if (existsSync(procfile)) for (const p of parseProcfile(readFileSync(procfile, 'utf8')).processes) processTypes[p.type] = p.command;
  return { slugPath, source, processTypes };
}

function release(app: string, version: number, slug: { slugPath: string; processTypes: Record<string, string> }, config: Record<string, string> = {}): ReleaseSpec {
  return { app, version, slugPath: slug.slugPath, config, processTypes: slug.processTypes, commit: null };
}

async function get(port: number, path = '/'): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return res.text();
}

/** A one-off's output and exit status. */
async function oneOff(manager: DynoManager, rel: ReleaseSpec, command: string, stdin?: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const input = stdin === undefined ? undefined : new PassThrough();
  const run = await manager.runOneOff(rel, command, { stdin: input, stdout, stderr }, { TERM: 'dumb' });
  input?.end(stdin);
  const code = await run.exit;
  return { name: run.name, code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

void test('crash back-off: at once, then 10 s, 20 s, 40 s … capped at 20 minutes; 10 minutes up starts over', () => {
  assert.deepEqual([1, 2, 3, 4, 5].map(restartDelayMs), [0, 10_000, 20_000, 40_000, 80_000]);
  assert.equal(restartDelayMs(9), BACKOFF_CAP_MS);
  assert.equal(restartDelayMs(1000), 20 * 60_000);
  let crashes = 0;
  for (let i = 0; i < 4; i++) crashes = crashesInARow(crashes, i === 0 ? null : 1000);
  assert.equal(crashes, 4);
  assert.equal(crashesInARow(crashes, STABLE_UP_MS - 1), 5, 'up for less than 10 minutes: the count goes on');
  assert.equal(crashesInARow(crashes, STABLE_UP_MS), 1, 'up for 10 minutes: the next crash is a first one');
  assert.equal(crashesInARow(0, null), 1, 'a reset (new release, manual restart) makes the next crash a first one');
});

eachMode('node-web-worker: web=2 and worker=1 answer on their ports and log; scaling down stops the highest numbers', async (t, sandbox) => {
  const h = harness(t, { sandbox });
  const slug = makeSlug(h.root, 'node-web-worker');
  const rel = release('demo', 1, slug, { GREETING: 'Ahoy' });
  await h.manager.apply(rel, { web: 2, worker: 1 });
  const targets = await h.until('two web dynos up', () => {
    const w = h.manager.webTargets('demo');
    return w.length === 2 && w;
  });
  assert.deepEqual(targets.map((w) => w.dyno), ['web.1', 'web.2']);
  for (const { dyno, port } of targets) {
    assert.match(await get(port), new RegExp(`from ${dyno.replace('.', '\\.')}\\n$`));
    assert.deepEqual(JSON.parse(await get(port, '/env')), { DYNO: dyno, PORT: String(port), GREETING: 'Ahoy' });
  }
  await h.logged('worker.1', /^tick 1$/, 'app');
  await h.logged('web.1', /^listening on \d+$/, 'app');

  const list = h.manager.list('demo');
  assert.deepEqual(list.map((d) => [d.name, d.type, d.state, d.release]), [
    ['web.1', 'web', 'up', 1],
    ['web.2', 'web', 'up', 1],
    ['worker.1', 'worker', 'up', 1],
  ]);
  for (const d of list) {
    assert.equal(d.sandboxed, h.manager.sandboxed);
    assert.ok(d.pid !== null && d.pid > 1 && d.port !== null && d.restarts === 0 && d.nextRestartAt === null);
    assert.match(d.since, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
  assert.equal(list[2]?.command, 'node worker.js');
  assert.ok(h.find('web.1', /^Starting process with command `node server\.js`$/, 'slipway') >= 0);
  assert.ok(h.find('web.1', /^State changed from starting to up$/, 'slipway') >= 0);
  assert.equal(readdirSync(join(h.appsDir, 'demo', 'dynos', 'run')).length, 3, 'one copy of the slug per dyno');

  // Same release, fewer dynos: web.2 and worker.1 stop, web.1 is untouched.
  const web1 = h.dyno('demo', 'web.1');
  await h.manager.apply(rel, { web: 1, worker: 0 });
  await h.until('only web.1 left', () => h.manager.list('demo').map((d) => d.name).join() === 'web.1');
  assert.ok(h.find('web.2', /^Stopping all processes with SIGTERM$/, 'slipway') >= 0);
  assert.ok(h.find('web.2', /^SIGTERM received, closing$/, 'app') >= 0);
  assert.ok(h.find('worker.1', /^worker stopping$/, 'app') >= 0);
  assert.ok(h.find('worker.1', /^Process exited with status \d+$/, 'slipway') >= 0);
  assert.equal(h.find('web.1', /SIGTERM/), -1, 'web.1 keeps running');
  assert.deepEqual(h.dyno('demo', 'web.1'), web1);
  assert.deepEqual(h.manager.webTargets('demo').map((w) => w.dyno), ['web.1']);
  await h.until('the stopped dynos’ copies removed', () => readdirSync(join(h.appsDir, 'demo', 'dynos', 'run')).length === 1);

  // Same release again: nothing restarts; web=3 adds web.2 and web.3.
  await h.manager.apply(rel, { web: 3 });
  await h.until('three web dynos up', () => h.manager.webTargets('demo').length === 3);
  assert.deepEqual(h.dyno('demo', 'web.1'), web1);
});

eachMode('crash-loop: a crash restarts at once, the next one waits 10 s; a manual restart resets the back-off', async (t, sandbox) => {
  const h = harness(t, { sandbox });
  const slug = makeSlug(h.root, 'crash-loop');
  const rel = release('crashy', 1, slug);
  await h.manager.apply(rel, { web: 1 });
  const crashed = await h.until('the second crash', () => {
    const d = h.dyno('crashy', 'web.1');
    return d?.state === 'crashed' && d.restarts === 1 && d;
  });
  assert.ok(crashed.nextRestartAt !== null);
  assert.equal(Date.parse(crashed.nextRestartAt) - Date.parse(crashed.since), 10_000, 'the second crash in a row waits 10 s');
  const exits = h.lines.filter((l) => l.dyno === 'web.1' && l.message === 'Process exited with status 3');
  assert.equal(exits.length, 2);
  assert.ok(h.find('web.1', /^about to crash$/, 'app') >= 0);
  assert.ok(h.find('web.1', /^State changed from starting to crashed$/, 'slipway') >= 0);
  assert.ok(h.find('web.1', /^State changed from crashed to starting$/, 'slipway') >= 0);
  assert.equal(h.manager.anyWebCrashed('crashy'), true);
  assert.deepEqual(h.manager.webTargets('crashy'), []);

  // A manual restart starts it now, and its next crash counts as a first one (restart at once).
  const before = h.lines.length;
  const restarted = await h.manager.restart('crashy', 'web');
  assert.deepEqual(restarted.map((d) => [d.name, d.state, d.nextRestartAt]), [['web.1', 'starting', null]]);
  assert.ok(h.find('web.1', /^Restarting$/, 'slipway') >= before);
  const again = await h.until('a crash after the restart', () => {
    const d = h.dyno('crashy', 'web.1');
    return d?.state === 'crashed' && d.restarts >= 3 && d;
  });
  assert.equal(again.restarts, 3);
  assert.equal(Date.parse(again.nextRestartAt ?? '') - Date.parse(again.since), 10_000, 'the restart’s own crash was a first one; this is the second');
  await assert.rejects(h.manager.restart('crashy', 'worker'), /No such dyno/);
});

eachMode('slow-boot: a web dyno that does not bind $PORT within bootTimeoutS gets R10, is killed and crashes', async (t, sandbox) => {
  const h = harness(t, { sandbox, settings: { bootTimeoutS: 1 } });
  const slug = makeSlug(h.root, 'slow-boot');
  await h.manager.apply(release('slow', 1, slug, { BOOT_DELAY_S: '30' }), { web: 1 });
  await h.logged('web.1', /^booting slowly: binding in 30000 ms$/, 'app');
  await h.logged('web.1', /^Error R10 \(Boot timeout\) -> Web process failed to bind to \$PORT within 1 seconds of launch$/, 'slipway');
  const d = await h.until('web.1 crashed', () => {
    const x = h.dyno('slow', 'web.1');
    return x?.state === 'crashed' && x;
  });
  assert.equal(d.port, null);
  assert.ok(h.find('web.1', /^Stopping process with SIGKILL$/) >= 0);
  assert.ok(h.find('web.1', /^Process exited with status 137$/) >= 0);
});

eachMode('sigterm-ignore: after stopGraceS the group gets SIGKILL with R12, and no process of it is left', async (t, sandbox) => {
  const h = harness(t, { sandbox, settings: { stopGraceS: 1 } });
  const slug = makeSlug(h.root, 'sigterm-ignore');
  await h.manager.apply(release('stubborn', 1, slug), { worker: 1 });
  await h.logged('worker.1', /^stubborn worker up$/, 'app');
  const pid = h.dyno('stubborn', 'worker.1')?.pid;
  assert.ok(typeof pid === 'number' && groupAlive(pid));
  const started = Date.now();
  await h.manager.stopApp('stubborn');
  const took = Date.now() - started;
  assert.ok(took >= 900 && took < 5000, `stopped after the 1 s grace (${took} ms)`);
  assert.ok(h.find('worker.1', /^Stopping all processes with SIGTERM$/) >= 0);
  assert.ok(h.find('worker.1', /^ignoring SIGTERM$/, 'app') >= 0);
  assert.ok(h.find('worker.1', /^Error R12 \(Exit timeout\) -> At least one process failed to exit within 1 seconds of SIGTERM$/) >= 0);
  assert.ok(h.find('worker.1', /^Process exited with status 137$/) >= 0);
  assert.equal(groupAlive(pid), false);
  assert.deepEqual(h.manager.list('stubborn'), []);
  assert.equal(existsSync(join(h.appsDir, 'stubborn', 'dynos')), false, 'stopApp removes the app’s dyno files');
  assert.deepEqual(readdirSync(h.stateDir), [], 'no crash-recovery record left');
});

eachMode('release phase: runs once with the release’s slug and config; a failure or a timeout is not ok; output is logged', async (t, sandbox) => {
  const h = harness(t, { sandbox, settings: { releasePhaseTimeoutS: 1, stopGraceS: 1 } });
  const good = makeSlug(h.root, 'release-phase');
  const ok = await h.manager.runReleasePhase(release('rel', 4, good, { RELEASE_MARK: 'v4-mark' }));
  assert.deepEqual(ok, { ok: true, code: 0, timedOut: false });
  assert.ok(h.find('release', /^migrating for release v4-mark$/, 'app') >= 0);
  assert.ok(h.find('release', /^Starting process with command `node migrate\.js`$/, 'slipway') >= 0);
  assert.deepEqual(h.manager.list('rel'), [], 'the release dyno is gone once it ends');

  const bad = makeSlug(h.root, 'release-fails');
  const failed = await h.manager.runReleasePhase(release('relfail', 2, bad));
  assert.deepEqual(failed, { ok: false, code: 1, timedOut: false });
  assert.ok(h.find('release', /^migration failed$/, 'app') >= 0);
  assert.ok(h.find('release', /^Process exited with status 1$/, 'slipway') >= 0);

  const slow = { ...good, processTypes: { release: 'echo started; sleep 30', web: 'node web.js' } };
  const pending = h.manager.runReleasePhase(release('relslow', 1, slow));
  await h.logged('release', /^started$/, 'app');
  const running = h.manager.list('relslow');
  assert.deepEqual(running.map((d) => [d.name, d.type, d.state]), [['release', 'release', 'up']]);
  assert.deepEqual(await pending, { ok: false, code: null, timedOut: true });
  assert.ok(h.find('release', /^Release command timed out after 1 seconds$/) >= 0);

  assert.deepEqual(await h.manager.runReleasePhase(release('norel', 1, { ...good, processTypes: { web: 'node web.js' } })), { ok: true, code: null, timedOut: false });
});

eachMode('one-off: attached stdio and its exit status; its writes never reach the slug cache, other dynos or the source', async (t, sandbox) => {
  const h = harness(t, { sandbox });
  const slug = makeSlug(h.root, 'node-web-worker');
  const rel = { ...release('oneoff', 3, slug, { GREETING: 'hello there' }), commit: 'a'.repeat(40) };

  const hi = await oneOff(h.manager, rel, 'echo hi; exit 7');
  assert.deepEqual([hi.stdout, hi.code], ['hi\n', 7]);
  assert.match(hi.name, /^run\.\d{4}$/);
  assert.ok(h.find(hi.name, /^Process exited with status 7$/, 'slipway') >= 0);
  assert.equal(h.find(hi.name, /^hi$/, 'app'), -1, 'a one-off’s output goes to its caller, not the log');

  const env = await oneOff(h.manager, rel, 'echo "$DYNO|$PORT|$GREETING|$SLIPWAY_APP_NAME|$SLIPWAY_RELEASE_VERSION|$SLIPWAY_SLUG_COMMIT|$TERM|${NODE_OPTIONS:-none}"; echo oops >&2');
  const [dyno, port, ...rest] = env.stdout.trim().split('|');
  assert.equal(dyno, env.name);
  assert.match(port ?? '', /^\d+$/);
  assert.deepEqual(rest, ['hello there', 'oneoff', 'v3', 'a'.repeat(40), 'dumb', 'none']);
  assert.equal(env.stderr, 'oops\n');

  const echo = await oneOff(h.manager, rel, 'read line; echo "got $line"', 'ping\n');
  assert.equal(echo.stdout, 'got ping\n');

  const writer = await oneOff(h.manager, rel, 'echo changed > lib/greeting.js && echo new > newfile && cat lib/greeting.js');
  assert.deepEqual([writer.code, writer.stdout], [0, 'changed\n']);
  const reader = await oneOff(h.manager, rel, 'cat lib/greeting.js; ls newfile 2>/dev/null || echo no-newfile');
  assert.equal(reader.code, 0);
  assert.equal(reader.stdout, readFileSync(join(slug.source, 'lib', 'greeting.js'), 'utf8') + 'no-newfile\n');
  assert.equal(readFileSync(join(slug.source, 'lib', 'greeting.js'), 'utf8'), readFileSync(join(FIXTURES, 'node-web-worker', 'lib', 'greeting.js'), 'utf8'));
  const cache = join(h.appsDir, 'oneoff', 'dynos', 'slugs');
  const [key] = readdirSync(cache);
  assert.ok(key !== undefined);
  assert.equal(readFileSync(join(cache, key, 'lib', 'greeting.js'), 'utf8'), readFileSync(join(slug.source, 'lib', 'greeting.js'), 'utf8'));
  assert.equal(existsSync(join(cache, key, 'newfile')), false);

  // A formation dyno running beside one that writes: its copy is its own.
  await h.manager.apply(rel, { web: 1 });
  const [web] = await h.until('web.1 up', () => h.manager.webTargets('oneoff').length === 1 && h.manager.webTargets('oneoff'));
  await oneOff(h.manager, rel, 'echo "module.exports = { greeting: () => \\"Hacked\\" };" > lib/greeting.js');
  assert.match(await get(web?.port ?? 0), /from web\.1/);
  assert.doesNotMatch(await get(web?.port ?? 0), /Hacked/);
  await h.until('one-off copies removed', () => readdirSync(join(h.appsDir, 'oneoff', 'dynos', 'run')).length === 1);

  // ps:stop of a one-off ends it.
  const stdout = new PassThrough();
  stdout.resume();
  const long = await h.manager.runOneOff(rel, 'echo started; sleep 30', { stdout, stderr: new PassThrough() });
  await h.until('the one-off listed', () => h.dyno('oneoff', long.name)?.state === 'up');
  assert.deepEqual((await h.manager.stop('oneoff', long.name)).map((d) => d.name), [long.name]);
  assert.equal(await long.exit, 143);
});

eachMode('preboot: a new release’s web dyno takes the traffic once it is up, then the old one gets SIGTERM', async (t, sandbox) => {
  const h = harness(t, { sandbox });
  const slug = makeSlug(h.root, 'node-web-worker');
  await h.manager.apply(release('pre', 1, slug, { GREETING: 'Old' }), { web: 1, worker: 1 });
  const [old] = await h.until('v1 up', () => h.manager.webTargets('pre').length === 1 && h.manager.webTargets('pre'));
  assert.ok(old);
  await h.logged('worker.1', /^tick 1$/, 'app');

  const seen: { port: number; newUp: boolean; oldStopping: boolean }[] = [];
  const mark = h.lines.length;
  await h.manager.apply(release('pre', 2, slug, { GREETING: 'New' }), { web: 1, worker: 1 });
  assert.deepEqual(h.manager.webTargets('pre'), [old], 'the old dyno serves while the new one boots');
  assert.equal(h.dyno('pre', 'web.1')?.release, 2);
  assert.equal(h.dyno('pre', 'web.1')?.state, 'starting');
  await h.logged('worker.1', /^worker stopping$/, 'app'); // other types restart at once

  const next = await h.until('the switch', () => {
    const [w] = h.manager.webTargets('pre');
    const stopIndex = h.lines.findIndex((l, i) => i >= mark && l.dyno === 'web.1' && l.message === 'Stopping all processes with SIGTERM');
    if (w) seen.push({ port: w.port, newUp: h.dyno('pre', 'web.1')?.state === 'up', oldStopping: stopIndex >= 0 });
    return w && w.port !== old.port && w;
  });
  assert.ok(seen.filter((s) => s.port === old.port).every((s) => !s.oldStopping), 'the old dyno served until it was told to stop');
  assert.ok(seen.filter((s) => s.port !== old.port).every((s) => s.newUp), 'the new dyno gets traffic only once it is up');
  const upAt = h.lines.findIndex((l, i) => i >= mark && l.dyno === 'web.1' && l.message === 'State changed from starting to up');
  await h.logged('web.1', /^SIGTERM received, closing$/, 'app');
  const stopAt = h.lines.findIndex((l, i) => i >= mark && l.dyno === 'web.1' && l.message === 'Stopping all processes with SIGTERM');
  assert.ok(upAt >= 0 && stopAt > upAt, 'SIGTERM to the old dyno only after the new one is up');
  assert.deepEqual(JSON.parse(await get(next.port, '/env')), { DYNO: 'web.1', PORT: String(next.port), GREETING: 'New' });
  await h.until('the old dyno gone', () => h.manager.list('pre').every((d) => d.release === 2) && h.manager.list('pre').length === 2);

  // Without preboot the old web dyno is stopped at once.
  h.settings.preboot = false;
  await h.manager.apply(release('pre', 3, slug, { GREETING: 'Newer' }), { web: 1 });
  assert.deepEqual(h.manager.webTargets('pre'), []);
  await h.until('v3 up', () => h.manager.webTargets('pre').length === 1);
  // worker=0 now: v2's worker is stopping (SIGTERM, then gone) and leaves the list when it exits
  await h.until('only web.1 on v3', () => h.manager.list('pre').length === 1);
  assert.deepEqual(h.manager.list('pre').map((d) => [d.name, d.release]), [['web.1', 3]]);
});

void test('sandbox: the host is read-only, /tmp is private and the slug is at /app (when bubblewrap works here)', async (t) => {
  const plain = harness(t, { sandbox: false });
  assert.equal(plain.manager.sandboxed, false);
  const h = harness(t);
  const slug = makeSlug(h.root, 'node-web-worker');
  const rel = release('boxed', 1, slug);
  const probe = `slipway-sandbox-probe-${randomBytes(6).toString('hex')}`;
  const hostPath = join('/var/tmp', probe);
  t.after(() => rmSync(hostPath, { force: true }));
  const result = await oneOff(h.manager, rel, `pwd; echo "$HOME"; echo x > /tmp/${probe} && echo tmp-ok; echo x > ${hostPath} && echo host-written; echo x > ${join(h.root, probe)} && echo home-written; echo ok > written && cat written`);
  if (!h.manager.sandboxed) {
    t.diagnostic('bubblewrap does not work here: dynos run as plain process groups');
    return;
  }
  const out = result.stdout.split('\n');
  assert.deepEqual(out.slice(0, 2), ['/app', '/app']);
  assert.ok(out.includes('tmp-ok'), 'the private /tmp is writable');
  assert.equal(out.includes('host-written'), false);
  assert.equal(out.includes('home-written'), false);
  assert.ok(out.includes('ok'), 'the slug copy at /app is writable');
  assert.match(result.stderr, /Read-only file system/);
  assert.equal(existsSync(hostPath), false);
  assert.equal(existsSync(join('/tmp', probe)), false, 'the dyno’s /tmp is not the host’s');
  assert.equal(existsSync(join(h.root, probe)), false);
  assert.deepEqual(h.manager.list('boxed'), []);

  // A sandboxed web dyno is reachable on its loopback port (networking is shared).
  await h.manager.apply(rel, { web: 1 });
  const [w] = await h.until('web up in the sandbox', () => h.manager.webTargets('boxed').length === 1 && h.manager.webTargets('boxed'));
  assert.match(await get(w?.port ?? 0), /from web\.1/);
  assert.equal(h.dyno('boxed', 'web.1')?.sandboxed, true);
});

void test('recover(): the process groups of a platform killed with -9 are found and killed, and only those', async (t) => {
  const cleanup: (() => Promise<void>)[] = [];
  const root = tempRoot(t, cleanup);
  const appsDir = join(root, 'apps');
  const stateDir = join(root, 'state');
  const slug = makeSlug(root, 'node-web-worker');
  const processTypes = { web: 'node server.js', worker: 'node -e "process.on(\'SIGTERM\', () => {}); setInterval(() => {}, 1000)"' };
  const script = join(root, 'platform-child.mts');
  writeFileSync(
    script,
    `import { DynoManager } from ${JSON.stringify(join(ROOT, 'platform', 'dynos', 'manager'))};
const [appsDir, stateDir, slugPath, types] = process.argv.slice(2);
const settings = () => ({ bootTimeoutS: 10, stopGraceS: 1, releasePhaseTimeoutS: 10, preboot: true });
const processTypes = JSON.parse(types);
const managers = { plain: new DynoManager({ appsDir, stateDir, settings, log: () => {}, onChange: () => {}, sandbox: false }),
  boxed: new DynoManager({ appsDir, stateDir, settings, log: () => {}, onChange: () => {} }) };
for (const [app, m] of Object.entries(managers)) await m.apply({ app, version: 1, slugPath, config: {}, processTypes, commit: null }, { web: 1, worker: 1 });
const all = () => Object.entries(managers).flatMap(([app, m]) => m.list(app));
const timer = setInterval(() => {
  if (all().every((d) => d.state === 'up')) { clearInterval(timer); console.log(JSON.stringify({ sandboxed: managers.boxed.sandboxed, dynos: all() })); }
}, 20);
`,
  );
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ['--import', 'tsx', script, appsDir, stateDir, slug.slugPath, JSON.stringify(processTypes)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  cleanup.unshift(() => {
    child.kill('SIGKILL');
    return Promise.resolve();
  });
  const report = await new Promise<{ sandboxed: boolean; dynos: DynoInfo[] }>((resolve, reject) => {
    let text = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => {
      text += c;
      if (text.includes('\n')) resolve(JSON.parse(text) as { sandboxed: boolean; dynos: DynoInfo[] });
    });
    child.once('exit', (code) => reject(new Error(`the platform child exited (${code}) before its dynos were up`)));
  });
  const pids = report.dynos.map((d) => d.pid);
  assert.equal(pids.length, 4);
  const plainPids = report.dynos.filter((d) => !d.sandboxed).map((d) => d.pid as number);
  assert.equal(plainPids.length, report.sandboxed ? 2 : 4);
  assert.ok(pids.every((p) => typeof p === 'number' && groupAlive(p)));
  assert.equal(readdirSync(stateDir).length, 4, 'a record per dyno');

  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  assert.ok(plainPids.every((p) => groupAlive(p)), 'plain dynos outlive a platform killed with -9');

  // An unrelated process group of ours must survive: a record whose start time does not match.
  const bystander = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  cleanup.unshift(() => {
    bystander.kill('SIGKILL');
    return Promise.resolve();
  });
  writeFileSync(join(stateDir, 'reused.json'), JSON.stringify({ app: 'plain', dyno: 'web.9', groups: { [String(bystander.pid)]: '1' }, term: bystander.pid }));

  const lines: string[] = [];
  const next = new DynoManager({ appsDir, stateDir, settings: () => ({ bootTimeoutS: 10, stopGraceS: 1, releasePhaseTimeoutS: 10, preboot: true }), log: (_a, _s, d, m) => lines.push(`${d}: ${m}`), onChange: () => {} });
  cleanup.unshift(() => next.stopAll());
  const { killed } = await next.recover();
  for (const p of plainPids) assert.ok(killed.includes(p), `group ${p} was killed`);
  for (const p of pids) assert.equal(groupAlive(p as number), false, `group ${p} is gone`);
  assert.ok(bystander.pid !== undefined && groupAlive(bystander.pid), 'a reused pid is not killed');
  assert.deepEqual(readdirSync(stateDir), []);
  const runDir = join(appsDir, 'plain', 'dynos', 'run');
  assert.deepEqual(existsSync(runDir) ? readdirSync(runDir) : [], [], 'left-over dyno copies removed');
  assert.deepEqual(await next.recover(), { killed: [] });
});
