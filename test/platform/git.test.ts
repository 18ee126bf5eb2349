/**
 * platform/git/ in process: the /git/ routes (real git http-backend behind fastify), what git
 * sees of errors, that the raw-body parsers stay inside /git/, a push into a platform running
 * from source, and the pure parts (push policy, credential requests, CGI headers).
 * The whole user path with the CLI is in test/e2e/git.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { parseCgiHeaders } from '../../platform/git/cgi';
import { credentialAnswer, isPlatformRequest, parseCredentialRequest } from '../../platform/cli/git-credential';
import { parseRefUpdates, planPush } from '../../platform/shared/push-policy';
import { startPlatform } from '../helpers/platform';
import { fixtureCopy, tempDir } from '../helpers/tmp';

const ZERO = '0'.repeat(40);
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

void test('push policy: main or master deploy; other branches, tags and deletes are refused', () => {
  assert.deepEqual(parseRefUpdates(`${ZERO} ${A} refs/heads/main\n\n`), [{ oldSha: ZERO, newSha: A, ref: 'refs/heads/main' }]);
  assert.deepEqual(planPush(parseRefUpdates(`${ZERO} ${A} refs/heads/master\n`)), { deploy: { oldSha: ZERO, newSha: A, ref: 'refs/heads/master' }, refusals: [] });
  assert.deepEqual(planPush([]), { deploy: null, refusals: [] });
  const other = planPush(parseRefUpdates(`${ZERO} ${A} refs/heads/main\n${ZERO} ${A} refs/heads/feature\n`));
  assert.equal(other.deploy, null);
  assert.deepEqual(other.refusals, ['feature: only main or master deploy; push with: git push slipway HEAD:main']);
  assert.match(planPush([{ oldSha: A, newSha: ZERO, ref: 'refs/heads/main' }]).refusals[0], /^main: deleting the deployed branch is refused/);
  assert.match(planPush([{ oldSha: ZERO, newSha: A, ref: 'refs/tags/v1' }]).refusals[0], /^v1: only main or master deploy/);
  assert.equal(planPush([{ oldSha: ZERO, newSha: A, ref: 'refs/heads/main' }, { oldSha: ZERO, newSha: A, ref: 'refs/heads/master' }]).deploy?.newSha, A);
  assert.match(planPush([{ oldSha: ZERO, newSha: A, ref: 'refs/heads/main' }, { oldSha: ZERO, newSha: B, ref: 'refs/heads/master' }]).refusals[0], /different commits/);
});

void test('credential requests: answered for the platform host only', () => {
  const req = parseCredentialRequest('protocol=http\nhost=127.0.0.1:5101\npath=git/demo.git\n\nignored=after-blank\n');
  assert.deepEqual(req, { protocol: 'http', host: '127.0.0.1:5101', path: 'git/demo.git' });
  assert.ok(isPlatformRequest(req, 'http://127.0.0.1:5101'));
  assert.ok(isPlatformRequest({ protocol: 'http', host: 'localhost:5101' }, 'http://127.0.0.1:5101'));
  assert.ok(!isPlatformRequest({ protocol: 'http', host: '127.0.0.1:5102' }, 'http://127.0.0.1:5101'));
  assert.ok(!isPlatformRequest({ protocol: 'https', host: '127.0.0.1:5101' }, 'http://127.0.0.1:5101'));
  assert.ok(!isPlatformRequest({ protocol: 'http', host: 'example.com:5101' }, 'http://127.0.0.1:5101'));
  assert.ok(!isPlatformRequest({}, 'http://127.0.0.1:5101'));
  assert.equal(credentialAnswer('t0k'), 'username=slipway\npassword=t0k\n');
});

void test('CGI headers: Status, lower-cased names, hop-by-hop dropped, defaults', () => {
  assert.deepEqual(parseCgiHeaders('Status: 404 Not Found\r\nContent-Type: text/plain\r\nExpires: Fri, 01 Jan 1980 00:00:00 GMT'), {
    status: 404,
    headers: { 'content-type': 'text/plain', expires: 'Fri, 01 Jan 1980 00:00:00 GMT' },
  });
  assert.deepEqual(parseCgiHeaders('Content-Type: application/x-git-receive-pack-result\nTransfer-Encoding: chunked'), { status: 200, headers: { 'content-type': 'application/x-git-receive-pack-result' } });
  assert.equal(parseCgiHeaders('Location: /x').status, 302);
});

void test('/git/ routes: real http-backend, text/plain errors git can show, parsers scoped to /git/', async (t) => {
  const p = await startPlatform(t);
  await p.client.createApp('demo');
  const auth = { authorization: `Bearer ${p.token}` };

  const refs = await p.fastify.inject({ method: 'GET', url: '/git/demo.git/info/refs?service=git-receive-pack', headers: auth });
  assert.equal(refs.statusCode, 200, refs.body);
  assert.equal(refs.headers['content-type'], 'application/x-git-receive-pack-advertisement');
  assert.match(refs.body, /^001f# service=git-receive-pack\n0000/);

  const unknown = await p.fastify.inject({ method: 'GET', url: '/git/nope.git/info/refs?service=git-upload-pack', headers: auth });
  assert.equal(unknown.statusCode, 404);
  assert.match(String(unknown.headers['content-type']), /^text\/plain/);
  assert.equal(unknown.body, 'no app named "nope"; create it with: slipway apps:create nope\n');

  for (const url of ['/git/demo', '/git/demo.git/..%2F..%2Ftoken', '/git/demo.git/objects/../../token']) {
    const r = await p.fastify.inject({ method: 'GET', url, headers: auth });
    assert.equal(r.statusCode, 404, url);
    assert.ok(!r.body.includes(p.token), url);
  }

  const noToken = await p.fastify.inject({ method: 'GET', url: '/git/demo.git/info/refs?service=git-upload-pack' });
  assert.equal(noToken.statusCode, 401);
  assert.equal(noToken.headers['www-authenticate'], 'Basic realm="Slipway"');

  // git's body types are raw streams under /git/ only: elsewhere they are still unsupported.
  const elsewhere = await p.fastify.inject({ method: 'POST', url: '/apps', headers: { ...auth, 'content-type': 'application/x-git-receive-pack-request' }, payload: '0000' });
  assert.equal(elsewhere.statusCode, 415);
});

void test('a push into a platform running from source (tsx) deploys through the hook', async (t) => {
  const p = await startPlatform(t);
  await p.client.createApp('src');
  const dir = fixtureCopy(t, 'node-web-worker');
  const env = { ...process.env, HOME: tempDir(t), GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@t.invalid', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@t.invalid' };
  const git = (...args: string[]) => spawnSync('git', args, { cwd: dir, env, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'first');
  const sha = git('rev-parse', 'HEAD').stdout.trim();
  const url = `${p.url.replace('http://', `http://slipway:${p.token}@`)}/git/src.git`;
  const push = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    // Asynchronous: the platform answers in this very process.
    const child = spawn('git', ['push', url, 'main'], { cwd: dir, env });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
  assert.equal(push.code, 0, push.stderr);
  assert.match(push.stderr, /remote: {8}Released v1/);
  const [release] = await p.client.releases('src');
  assert.deepEqual([release.description, release.commit], [`Deploy ${sha.slice(0, 7)}`, sha]);
});
