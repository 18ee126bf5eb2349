/**
 * One-off dynos on a pseudo-terminal (platform/dynos/pty.ts), straight through the dyno
 * manager, sandboxed and as plain process groups: a real shell on a real pty, keys written to
 * its stdin, its screen read from its stdout. Waits are on output, with a deadline.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { parseRunInput } from '../../platform/http/run-input';
import { DynoManager } from '../../platform/dynos/manager';
import { procStat } from '../../platform/dynos/process-group';
import { ptyAvailable, ptyCommand, shellQuote } from '../../platform/dynos/pty';
import { detectSandbox } from '../../platform/dynos/sandbox';
import type { ReleaseSpec } from '../../platform/dynos/types';
import { until } from '../helpers/http';

const WAIT_MS = 15_000;
const MODES: boolean[] = detectSandbox() ? [true, false] : [false];
const skip = ptyAvailable() ? false : 'needs util-linux script';

function setup(t: TestContext, sandbox: boolean) {
  const root = mkdtempSync(join(tmpdir(), 'slipway-pty-'));
  const logs: string[] = [];
  const manager = new DynoManager({
    appsDir: join(root, 'apps'),
    stateDir: join(root, 'state'),
    settings: () => ({ bootTimeoutS: 10, stopGraceS: 30, releasePhaseTimeoutS: 30, preboot: true }),
    log: (_app, source, dyno, message) => void logs.push(`${source}[${dyno}]: ${message}`),
    onChange: () => {},
    sandbox,
  });
  t.after(async () => {
    await manager.stopAll();
    rmSync(root, { recursive: true, force: true });
  });
  const src = join(root, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'Procfile'), 'web: true\n');
  const slugPath = join(root, 'slug.tar.gz');
  execFileSync('tar', ['-czf', slugPath, '-C', src, '.']);
  const release: ReleaseSpec = { app: 'demo', version: 1, slugPath, config: {}, processTypes: { web: 'true' }, commit: null };
  return { manager, release, logs, root };
}

/** A tty one-off running `command`: type into it, wait for its screen. */
async function session(manager: DynoManager, release: ReleaseSpec, command: string) {
  const keys = new PassThrough();
  const stdout = new PassThrough();
  let screen = '';
  const waiters = new Set<() => void>();
  stdout.on('data', (d: Buffer) => {
    screen += d.toString();
    for (const w of [...waiters]) w();
  });
  const run = await manager.runOneOff(release, command, { stdin: keys, stdout, stderr: new PassThrough() }, { TERM: 'xterm' }, { tty: { cols: 90, rows: 20 } });
  const waitFor = (re: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!re.test(screen)) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${re}; the screen:\n${screen}`));
      }, WAIT_MS);
      waiters.add(check);
      check();
    });
  return { run, type: (s: string) => void keys.write(s), waitFor, screen: () => screen };
}

for (const sandbox of MODES) {
  const mode = sandbox ? 'sandboxed' : 'plain';

  void test(`a tty one-off: a pty of the asked size, keys, Ctrl-C, resize, exit status (${mode})`, { skip }, async (t) => {
    const { manager, release } = setup(t, sandbox);
    const s = await session(manager, release, 'sh');
    assert.equal(s.run.tty, true);
    s.type('tty; stty size; echo "cols=$COLUMNS lines=$LINES term=$TERM"; echo $((6*7))\r');
    await s.waitFor(/^42\r$/m);
    assert.match(s.screen(), /\/dev\/pts\/\d+\r$/m);
    assert.match(s.screen(), /^20 90\r$/m);
    assert.match(s.screen(), /^cols=90 lines=20 term=xterm\r$/m);

    s.type(`sh -c 'echo ready-$((1+1)); exec sleep 300'\r`);
    await s.waitFor(/ready-2/);
    s.type('\x03');
    await s.waitFor(/\^C/);
    s.type('echo "status=$?"\r');
    await s.waitFor(/status=130/);

    s.type(`sh -c 'trap "stty size; kill \\$! 2>/dev/null" WINCH; trap "kill \\$!; exit 130" INT; echo waiting-$((2+2)); while :; do sleep 300 & wait; done'\r`);
    await s.waitFor(/waiting-4/);
    s.run.resize({ cols: 132, rows: 43 });
    await s.waitFor(/^43 132\r$/m);
    s.type('\x03');
    s.type('exit 3\r');
    assert.equal(await s.run.exit, 3);
  });

  void test(`stopping a tty one-off hangs up its terminal: an interactive shell ends at once (${mode})`, { skip }, async (t) => {
    const { manager, release, logs } = setup(t, sandbox);
    const s = await session(manager, release, 'sh');
    s.type('echo up-$((3+4))\r');
    await s.waitFor(/up-7/);
    await manager.stop('demo', s.run.name);
    // An interactive shell ignores SIGTERM; without the hang-up it would last the 30 s grace.
    assert.ok((await s.run.exit) > 128);
    assert.ok(!logs.some((l) => l.includes('R12')), logs.join('\n'));
  });
}

/** Runs and is not a zombie waiting for the host's init to reap it. */
const running = (pid: number) => !['Z', 'X', undefined].includes(procStat(pid)?.state);

// Plain only: a sandboxed one-off's pid namespace takes everything in it along when it ends.
void test('ending a tty one-off kills what its shell left in its session, even what ignores SIGHUP (plain)', { skip }, async (t) => {
  const { manager, release, root } = setup(t, false);
  // The user's `exit`, `ps:stop`, the platform's stop (last: the manager then takes no more).
  for (const end of ['exit', 'stop', 'platform stop'] as const) {
    const pidFile = join(root, `sleep-${end.replace(' ', '-')}.pid`);
    const s = await session(manager, release, 'sh');
    // A background job of the interactive shell: its own process group, in the session that
    // `script` made, not in the dyno's group; the hang-up of the pty does not end it.
    s.type(`sh -c 'trap "" HUP; echo $$ > ${pidFile}; exec sleep 300' &\r`);
    const pid = await until(`the background sleep's pid (${end})`, () => {
      let text = '';
      try {
        text = readFileSync(pidFile, 'utf8');
      } catch {
        // not written yet
      }
      return Promise.resolve(/^\d+\n$/.test(text) ? Number(text) : undefined);
    });
    t.after(() => {
      if (running(pid) && procStat(pid)?.comm === 'sleep') process.kill(pid, 'SIGKILL');
    });
    const group = manager.list('demo').find((d) => d.name === s.run.name)?.pid;
    assert.ok(group && procStat(pid)?.pgrp !== group, 'the sleep runs outside the dyno’s process group');
    if (end === 'exit') s.type('exit\r');
    else if (end === 'stop') await manager.stop('demo', s.run.name);
    else await manager.stopAll();
    await s.run.exit;
    await until(`the background sleep ${pid} to be killed (${end})`, () => Promise.resolve(running(pid) ? undefined : true), 10_000);
  }
});

void test('the pty wrapper quotes the command as one word; RunInput lines are checked', () => {
  assert.equal(shellQuote(`it's`), `'it'\\''s'`);
  const wrapped = ptyCommand(`echo 'a b' "$HOME"`, { cols: 0, rows: -1 });
  assert.match(wrapped, /^script -qfec '.*' \/dev\/null; exit \$\?$/);
  assert.match(wrapped, /stty rows 24 cols 80/, 'a size that is not one falls back to 80×24');
  const tricky = `echo 'a b' "$HOME" \\ ; \`x\``;
  assert.equal(execFileSync('/bin/sh', ['-c', `printf '%s' ${shellQuote(tricky)}`]).toString(), tricky);
  assert.deepEqual(parseRunInput('{"type":"stdin","data":"YQ=="}'), { type: 'stdin', data: 'YQ==' });
  assert.deepEqual(parseRunInput('{"type":"resize","cols":80,"rows":24}'), { type: 'resize', cols: 80, rows: 24 });
  assert.equal(parseRunInput('{"type":"resize","cols":0,"rows":24}'), null);
  assert.equal(parseRunInput('{"type":"stdin","data":1}'), null);
  assert.equal(parseRunInput('not json'), null);
});
