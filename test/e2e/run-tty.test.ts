/**
 * `slipway run` from a real terminal (a pty made by util-linux `script`, test/helpers/pty.ts):
 * the one-off dyno gets a pseudo-terminal of the terminal's size, keys (Ctrl-C included) reach
 * it, resizes follow, the CLI exits with the command's status, and the local terminal is
 * restored however the session ends. Each session ends with `stty -a` run on the test's
 * terminal after the CLI, which shows whether the CLI left it in raw mode.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { readPlatformFile } from '../../platform/discovery/platform-file';
import { CLI, cliHome, type CliHome } from '../helpers/cli';
import { hasScript, terminal } from '../helpers/pty';
import { fixtureCopy } from '../helpers/tmp';

const skip = hasScript ? false : 'needs util-linux script';

async function deployed(t: TestContext): Promise<CliHome> {
  const cli = cliHome(t, { stopGraceS: 1 });
  assert.equal((await cli.run(['apps:create', 'demo'])).code, 0);
  const d = await cli.run(['deploy', fixtureCopy(t, 'static-site'), '-a', 'demo']);
  assert.equal(d.code, 0, d.stderr);
  return cli;
}

/**
 * `slipway run ARGS` on a terminal of 100×30 whose device path is written to TTYFILE; after the
 * CLI, `stty -a` shows the terminal's modes and the terminal's command exits with the CLI's status.
 */
function runOnTerminal(t: TestContext, cli: CliHome, args: string, ttyFile = join(cli.home, 'tty')) {
  const command = `tty > ${ttyFile}; stty rows 30 cols 100; ${process.execPath} ${CLI} run -a demo ${args}; code=$?; echo "cli-exit=$code"; stty -a; exit $code`;
  return terminal(t, command, { ...process.env, SLIPWAY_HOME: cli.home, SLIPWAY_APP: '', TERM: 'xterm-256color' });
}

/** The terminal is back in cooked mode: canonical input, echo and signals on. */
function assertRestored(screen: string): void {
  const modes = screen.slice(screen.lastIndexOf('cli-exit='));
  for (const flag of ['icanon', 'echo', 'isig']) assert.match(modes, new RegExp(`(^|\\s)${flag}(\\s|$)`), `${flag} is on again after the CLI:\n${modes}`);
}

void test('run from a terminal: a pty of the terminal size, Ctrl-C interrupts the remote command, resizes follow, exit status is the command’s', { skip }, async (t) => {
  const cli = await deployed(t);
  const term = runOnTerminal(t, cli, '-- sh');
  await term.waitFor(/up, run\.\d+/);

  term.type('tty; stty size; echo "term=$TERM size=${COLUMNS}x$LINES"; echo $((6*7))\r');
  let from = (await term.waitFor(/^42\r?$/m)).index;
  assert.match(term.screen, /\/dev\/pts\/\d+\r?$/m, 'the command’s stdin is a terminal');
  assert.match(term.screen, /^30 100\r?$/m, 'the pty has the terminal’s size');
  assert.match(term.screen, /^term=xterm-256color size=100x30\r?$/m);

  // Ctrl-C is a byte for the remote pty: it interrupts the foreground job, the shell lives on.
  term.type(`sh -c 'echo ready-$((1+1)); exec sleep 300'\r`);
  from += (await term.waitFor(/ready-2/, from)).index;
  term.type('\x03');
  from += (await term.waitFor('^C', from)).index;
  term.type('echo "status=$?"\r');
  from += (await term.waitFor(/status=130/, from)).index;

  // A resize of the local terminal reaches the remote pty (SIGWINCH to its foreground job,
  // which prints the size on each one: `stty rows R cols C` resizes in two steps).
  term.type(`sh -c 'trap "stty size; kill \\$! 2>/dev/null" WINCH; trap "kill \\$!; exit 130" INT; echo waiting-$((2+2)); while :; do sleep 300 & wait; done'\r`);
  from += (await term.waitFor(/waiting-4/, from)).index;
  const ttyPath = readFileSync(join(cli.home, 'tty'), 'utf8').trim();
  assert.equal(spawnSync('stty', ['-F', ttyPath, 'rows', '40', 'cols', '120']).status, 0);
  from += (await term.waitFor(/^40 120\r?$/m, from)).index;
  term.type('\x03');
  await term.waitFor('^C', from);

  term.type('exit 3\r');
  assert.equal(await term.exited(), 3, term.screen);
  assert.match(term.screen, /cli-exit=3/);
  assertRestored(term.screen);
});

void test('run from a terminal when the platform dies mid-session: an error, not a stack trace, and the terminal restored', { skip }, async (t) => {
  const cli = await deployed(t);
  const term = runOnTerminal(t, cli, '-- sh');
  await term.waitFor(/up, run\.\d+/);
  term.type('echo alive-$((5*5))\r');
  await term.waitFor(/alive-25/);
  const info = readPlatformFile(join(cli.home, 'platform.json'));
  assert.ok(info);
  process.kill(info.pid, 'SIGKILL');
  assert.equal(await term.exited(), 1);
  assert.match(term.screen, /slipway: the connection to the platform was lost before the one-off dyno ended/);
  assert.doesNotMatch(term.screen, /^\s+at /m, 'no stack trace');
  assertRestored(term.screen);
});

void test('run --no-tty from a terminal uses pipes; --tty without a terminal still gets a pty', { skip }, async (t) => {
  const cli = await deployed(t);
  const term = runOnTerminal(t, cli, `--no-tty -- 'tty; echo "err" >&2; exit 4'`);
  assert.equal(await term.exited(), 4);
  assert.match(term.screen, /^not a tty\r?$/m);
  assert.match(term.screen, /^err\r?$/m);
  assertRestored(term.screen);

  // The CLI's stdin here is /dev/null and its stdout a pipe.
  const forced = await cli.run(['run', '-a', 'demo', '--tty', '--', 'tty; stty size; exit 5']);
  assert.equal(forced.code, 5, forced.stderr);
  assert.match(forced.stdout, /^\/dev\/pts\/\d+\r$/m);
  assert.match(forced.stdout, /^24 80\r$/m, 'no terminal to take the size from: 80×24');
  const both = await cli.run(['run', '-a', 'demo', '--tty', '--no-tty', '--', 'true']);
  assert.equal(both.code, 2);
});

void test('run without a terminal: stdin is piped, and the dyno outlives the end of its stdin', async (t) => {
  const cli = await deployed(t);
  const client = cli.client();
  const out: Buffer[] = [];
  const { PassThrough } = await import('node:stream');
  const stdin = new PassThrough();
  stdin.end('from-stdin\n');
  // `read` gets the line, then the command goes on after the request body has ended.
  const code = await client.run('demo', 'read line; echo "got $line"; sh -c "exit 6"', { stdin, onStdout: (b) => out.push(b), onStderr: () => {} });
  assert.equal(code, 6);
  assert.equal(Buffer.concat(out).toString(), 'got from-stdin\n');
});
