/**
 * kill -9 of the platform at random (seeded: KILL9_SEED=N replays another run) moments of a
 * deploy, a git push, a config:set and a scale, each followed by a restart (the next CLI
 * command starts the platform again). After every restart: the releases are contiguous from
 * v1, exactly one is current and it succeeded, none is left pending, every release's slug is on
 * disk, the killed platform's dynos are gone and the formation runs; at the end, after a
 * graceful stop, no dyno process of any run is left.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Dyno, Formation, Release } from '../../platform/api/schemas';
import { pidAlive, readPlatformFile } from '../../platform/discovery/platform-file';
import { CLI, cliHome, type CliHome } from '../helpers/cli';
import { gitIn } from '../helpers/git';
import { fixtureCopy } from '../helpers/tmp';
import { mulberry32 } from '../helpers/prng';

const SEED = Number(process.env.KILL9_SEED ?? 9);
const ROUNDS = 2;

const prng = mulberry32;

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('close', () => resolve())));

async function waitGone(pid: number): Promise<void> {
  const deadline = Date.now() + 10000;
  while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(pidAlive(pid), false, `process ${pid} is gone`);
}

/** The invariants after a restart; returns the pids of the dynos now running. A failure shows the platform's log. */
async function checkState(cli: CliHome, app: string, what: string): Promise<number[]> {
  try {
    return await invariants(cli, app, what);
  } catch (err) {
    const log = existsSync(join(cli.home, 'platform.log')) ? readFileSync(join(cli.home, 'platform.log'), 'utf8').split('\n').slice(-40).join('\n') : '(no platform.log)';
    (err as Error).message += `\n--- platform.log (last lines) ---\n${log}`;
    throw err;
  }
}

async function invariants(cli: CliHome, app: string, what: string): Promise<number[]> {
  const releases = await cli.json<Release[]>(['releases', '-a', app]);
  const versions = releases.map((r) => r.version);
  assert.deepEqual(versions, [...versions.keys()].map((i) => versions.length - i), `${what}: releases contiguous from v1 (${versions.join(',')})`);
  const current = releases.filter((r) => r.current);
  assert.equal(current.length, 1, `${what}: exactly one current release`);
  assert.equal(current[0].status, 'succeeded', `${what}: the current release succeeded`);
  assert.ok(!releases.some((r) => r.status === 'pending'), `${what}: no release left pending`);
  for (const r of releases) assert.ok(existsSync(join(cli.home, 'slugs', `${r.slug.id}.tar.gz`)), `${what}: v${r.version}'s slug is on disk`);
  const formation = await cli.json<Formation>(['ps:scale', '-a', app]);
  const dynos = await cli.json<Dyno[]>(['ps', '-a', app]);
  const web = dynos.filter((d) => d.type === 'web' && d.state !== 'down');
  assert.equal(web.length, formation.web ?? 0, `${what}: the formation runs (web=${formation.web})`);
  return dynos.map((d) => d.pid).filter((p): p is number => p !== null);
}

void test(`kill -9 at random moments of deploy, git push, config:set and scale (seed ${SEED}, ${ROUNDS} rounds): contiguous releases, no orphan process, no lost slug`, async (t) => {
  const random = prng(SEED);
  const cli = cliHome(t);
  const g = gitIn(t, cli);
  const app = 'kill9';
  assert.equal((await cli.run(['apps:create', app])).code, 0);
  const site = fixtureCopy(t, 'static-site');
  const first = await cli.run(['deploy', site, '-a', app]);
  assert.equal(first.code, 0, first.stderr);
  const repo = await g.repo('static-site');
  let pids = await checkState(cli, app, 'first deploy');
  const seen = new Set(pids);
  let n = 0;

  const operations: Record<string, () => ChildProcess> = {
    deploy: () => {
      writeFileSync(join(site, 'index.html'), `<p>deploy ${n}</p>\n`);
      return spawn(process.execPath, [CLI, 'deploy', site, '-a', app], { env: { ...process.env, SLIPWAY_HOME: cli.home }, stdio: 'ignore' });
    },
    push: () => spawn('git', ['push', '--force', 'slipway', 'main'], { cwd: repo, env: g.env, stdio: 'ignore' }),
    'config:set': () => spawn(process.execPath, [CLI, 'config:set', `ROUND=${n}`, '-a', app], { env: { ...process.env, SLIPWAY_HOME: cli.home }, stdio: 'ignore' }),
    scale: () => spawn(process.execPath, [CLI, 'ps:scale', `web=${1 + (n % 3)}`, '-a', app], { env: { ...process.env, SLIPWAY_HOME: cli.home }, stdio: 'ignore' }),
  };

  const prepare = async (name: string) => {
    n++;
    if (name !== 'push') return;
    // the remote's URL names the API port, which changes with each start (ports 0)
    assert.equal((await cli.run(['git:remote', '-a', app], { cwd: repo, env: g.env })).code, 0);
    writeFileSync(join(repo, 'index.html'), `<p>push ${n}</p>\n`);
    await g.commit(repo, `push ${n}`);
  };
  // Each operation once uninterrupted: how long it takes here, so that the kills fall inside it.
  const took: Record<string, number> = {};
  for (const [name, start] of Object.entries(operations)) {
    await prepare(name);
    const t0 = performance.now();
    const child = start();
    await exited(child);
    assert.equal(child.exitCode, 0, `${name} works uninterrupted`);
    took[name] = performance.now() - t0;
  }
  pids = await checkState(cli, app, 'uninterrupted operations');
  for (const pid of pids) seen.add(pid);

  const kills: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, start] of Object.entries(operations)) {
      await prepare(name);
      const info = readPlatformFile(join(cli.home, 'platform.json'));
      assert.ok(info, 'the platform runs');
      const child = start();
      const delayMs = Math.floor(random() * took[name]);
      await new Promise((r) => setTimeout(r, delayMs)); // the random moment, not a wait for readiness
      const done = child.exitCode !== null;
      process.kill(info.pid, 'SIGKILL');
      await waitGone(info.pid);
      await exited(child);
      kills.push(`${name} +${delayMs} ms${done ? ' (after it ended)' : ''}`);
      process.stdout.write(`# kill -9 ${kills.length}: ${kills[kills.length - 1]}\n`);

      // the next command starts the platform again; the killed one's dynos must be gone by then
      const now = await checkState(cli, app, `after kill -9 during ${name} (+${delayMs} ms)`);
      for (const pid of pids) assert.equal(pidAlive(pid), false, `dyno process ${pid} of the killed platform is gone`);
      pids = now;
      for (const pid of now) seen.add(pid);
    }
  }
  const durations = Object.entries(took).map(([k, v]) => `${k} ${Math.round(v)} ms`).join(", ");
  process.stdout.write(`# kill9 (seed ${SEED}): ${kills.length} kills: ${kills.join("; ")} (uninterrupted: ${durations})\n`);

  assert.equal((await cli.run(['platform:stop'])).code, 0);
  for (const pid of seen) assert.equal(pidAlive(pid), false, `dyno process ${pid} is gone after the stop`);
});
