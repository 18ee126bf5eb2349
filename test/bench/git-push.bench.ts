/**
 * `git push` to the router serving the new code (issue 4, "Speed"): node-web-worker pushed to a
 * fresh app (the first push), then 5 times one file changed (its greeting), committed and
 * pushed, each measured from the start of `git push` until the router answers with the new
 * body. Target: p50 of those second pushes at most 1.5 s. Real git, the built CLI (dist/cli.js,
 * `npm run build` first), a temporary SLIPWAY_HOME on free ports; the platform is stopped after.
 *
 * Runs from test/bench/run.ts, or alone: node --import tsx test/bench/git-push.bench.ts
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPlatformFile } from '../../platform/discovery/platform-file';
import { routerGet } from '../helpers/http';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'apps', 'node-web-worker');
const APP = 'bench';
const ROUNDS = 5;
const TARGET_P50_MS = 1500;

function exec(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

async function servedAfter(routerUrl: string, body: string, start: number, timeoutMs = 30000): Promise<number> {
  for (;;) {
    const res = await routerGet(routerUrl, APP).catch(() => null);
    if (res?.body === body) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`the router did not serve "${body.trim()}" within ${timeoutMs} ms (last: ${res ? `${res.status} ${res.body.trim()}` : 'no answer'})`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const ms = (n: number) => `${Math.round(n)} ms`;

export async function run(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'slipway-bench-git-'));
  const home = join(tmp, 'home');
  const dir = join(tmp, 'app');
  mkdirSync(join(tmp, 'git-home'));
  mkdirSync(home);
  writeFileSync(join(home, 'settings.json'), JSON.stringify({ apiPort: 0, routerPort: 0 }));
  cpSync(FIXTURE, dir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SLIPWAY_HOME: home,
    SLIPWAY_APP: '',
    HOME: join(tmp, 'git-home'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Bench',
    GIT_AUTHOR_EMAIL: 'bench@slipway.invalid',
    GIT_COMMITTER_NAME: 'Bench',
    GIT_COMMITTER_EMAIL: 'bench@slipway.invalid',
  };
  const git = (...args: string[]) => exec('git', args, dir, env);
  const slipway = (...args: string[]) => exec(process.execPath, [CLI, ...args], dir, env);
  try {
    await slipway('platform:start', '--detach');
    const info = readPlatformFile(join(home, 'platform.json'));
    if (!info) throw new Error('the platform did not write platform.json');
    await slipway('apps:create', APP);
    await git('init', '-q', '-b', 'main');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'first');
    await slipway('git:remote', '-a', APP);

    let start = performance.now();
    await git('push', '-q', 'slipway', 'main');
    const first = await servedAfter(info.routerUrl, 'hello from web.1\n', start);

    const times: number[] = [];
    for (let i = 1; i <= ROUNDS; i++) {
      const word = `greeting-${i}`;
      writeFileSync(join(dir, 'lib', 'greeting.js'), `exports.greeting = () => process.env.GREETING || '${word}';\n`);
      await git('commit', '-q', '-am', `change ${i}`);
      start = performance.now();
      await git('push', '-q', 'slipway', 'main');
      times.push(await servedAfter(info.routerUrl, `${word} from web.1\n`, start));
    }
    const sorted = [...times].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    console.log(`first push of node-web-worker to a fresh app, until the router serves it: ${ms(first)}`);
    console.log(`second pushes (one file changed), git push until the router serves the new body, ${ROUNDS} runs:`);
    console.log(`  p50 ${ms(p50)}  min ${ms(sorted[0])}  max ${ms(sorted[sorted.length - 1])}  (${times.map(ms).join(', ')})`);
    console.log(`  target p50 <= ${ms(TARGET_P50_MS)}: ${p50 <= TARGET_P50_MS ? 'met' : 'MISSED'}`);
  } finally {
    await slipway('platform:stop').catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  run().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
