/**
 * Git remotes over smart HTTP: `/git/APP.git/...` is served by the real `git http-backend`, run
 * as a CGI program (cgi.ts) on the app's bare repository (repo.ts). The platform's guard has
 * already checked the token (git sends it as the password of HTTP basic auth, from
 * `slipway git:credential`). A push runs the repository's pre-receive hook, which builds and
 * releases the pushed commit through the API; what the hook needs comes through the
 * environment of this CGI run (hook-env.ts).
 *
 * The routes live in their own fastify plugin, so the content-type parsers that hand git's
 * request bodies through raw, and the plain-text errors (git shows a text/plain error body to
 * its user as `remote:` lines), apply here only.
 */
import type { ChildProcess } from 'node:child_process';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getApp } from '../apps/apps';
import type { PlatformContext } from '../context';
import { PlatformError, notFound } from '../errors';
import { appWorkDir } from '../discovery/home';
import { AppLocks } from '../store/app-lock';
import { readToken } from '../discovery/token';
import { runCgi } from './cgi';
import { hookCliPath, hookEnv } from '../shared/git-hook-env';
import { AppRepos, cleanGitEnv } from './repo';

const GIT_BODY_TYPES = ['application/x-git-upload-pack-request', 'application/x-git-receive-pack-request'];
/**
 * What may follow `APP.git/`: exactly the paths git http-backend serves (git-http-backend(1)),
 * so that nothing else (`//etc/passwd`, `../x`) ever reaches it as a PATH_INFO.
 */
const REPO_PATH =
  /^(?:HEAD|info\/refs|git-upload-pack|git-receive-pack|objects\/info\/(?:alternates|http-alternates|packs)|objects\/[0-9a-f]{2}\/[0-9a-f]{38,62}|objects\/pack\/pack-[0-9a-f]{40,64}\.(?:pack|idx))$/;
/** The POST routes and the request body each needs (what git sends). */
const POST_BODY: Record<string, string> = {
  'git-upload-pack': 'application/x-git-upload-pack-request',
  'git-receive-pack': 'application/x-git-receive-pack-request',
};
/** Pushes carry packs: no fastify body limit applies to the raw stream, and none should. */
const GIT_BODY_LIMIT = 1024 ** 4;

function sendText(reply: FastifyReply, status: number, message: string): FastifyReply {
  // git prints the body as `remote:` lines: a control character from the request (a NUL in a
  // name) is shown escaped, never raw
  message = message.replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return reply.code(status).type('text/plain; charset=utf-8').header('cache-control', 'no-cache').send(message.endsWith('\n') ? message : `${message}\n`);
}

function basicUser(req: FastifyRequest): string {
  const auth = req.headers.authorization ?? '';
  if (!auth.toLowerCase().startsWith('basic ')) return 'slipway';
  const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
  const user = decoded.slice(0, Math.max(0, decoded.indexOf(':')));
  return /^[\w.@-]{1,64}$/.test(user) ? user : 'slipway';
}

export function registerGitRoutes(fastify: FastifyInstance, ctx: PlatformContext): void {
  void fastify.register((git, _opts, registered) => {
    const repos = new AppRepos(ctx.paths);
    // One push at a time per app, start to end: the hook's check that the branch has not moved
    // since the pusher read it then holds until git updates it. (Deploys queue on the app's own
    // lock; this one is separate, as the hook's deploy takes that one.)
    const pushes = new AppLocks();
    const running = new Set<ChildProcess>();

    git.addContentTypeParser(GIT_BODY_TYPES, (_req, payload, done) => done(null, payload));
    git.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
      if (err instanceof PlatformError) return sendText(reply, err.status, err.message);
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return sendText(reply, err.statusCode, err.message);
      req.log.error(err);
      process.stderr.write(`slipway platform: git: ${err.stack ?? err.message}\n`);
      return sendText(reply, 500, 'internal error in the Slipway platform while serving git; see its log');
    });
    git.addHook('onClose', (_instance, closed) => {
      for (const child of running) child.kill('SIGTERM');
      closed();
    });

    git.route({
      method: ['GET', 'POST'],
      url: '/git/*',
      bodyLimit: GIT_BODY_LIMIT,
      handler: async (req, reply) => {
        const rest = (req.params as { '*': string })['*'];
        const m = /^([^/]+)\.git(?:\/(.*))?$/.exec(rest);
        if (!m) throw notFound('repository_not_found', `no repository at /git/${rest}: an app's repository is /git/APP.git (add it with: slipway git:remote -a APP)`);
        const [, app, path = ''] = m;
        await getApp(ctx, app);
        if (!REPO_PATH.test(path)) throw notFound('repository_path_not_found', `no such path in ${app}'s repository: ${JSON.stringify(path)}`);
        if (req.method === 'POST') {
          const wanted = POST_BODY[path];
          if (!Object.hasOwn(POST_BODY, path)) throw new PlatformError('method_not_allowed', `${path} of ${app}'s repository is read with GET, not POST`, 405);
          const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
          if (type !== wanted || !(req.body instanceof Readable)) {
            throw new PlatformError('unsupported_media_type', `POST ${path} takes a git request body (Content-Type: ${wanted}), not ${type || 'no content type'}; use git itself: git push / git fetch`, 415);
          }
        } else if (Object.hasOwn(POST_BODY, path)) {
          throw new PlatformError('method_not_allowed', `${path} of ${app}'s repository is a POST route (git sends it)`, 405);
        }
        const dir = await repos.open(app);

        const push = req.method === 'POST' && path === 'git-receive-pack';
        let hook: Record<string, string> = {};
        if (push) {
          const cli = hookCliPath();
          if (!cli) throw new PlatformError('hook_missing', 'the Slipway CLI bundle (dist/cli.js), which runs the push hook, is missing; build it with: npm run build', 500);
          hook = hookEnv({ url: `http://127.0.0.1:${req.socket.localPort ?? 0}`, token: readToken(ctx.paths.token), app, node: process.execPath, cli });
        }
        const query = req.url.indexOf('?');
        const header = (name: string): string | undefined => {
          const v = req.headers[name];
          return Array.isArray(v) ? v.join(', ') : v;
        };
        const optional = (name: string, value: string | undefined) => (value ? { [name]: value } : {});
        const env: NodeJS.ProcessEnv = {
          ...cleanGitEnv(),
          GIT_PROJECT_ROOT: appWorkDir(ctx.paths, app),
          GIT_HTTP_EXPORT_ALL: '1',
          PATH_INFO: `/${basename(dir)}/${path}`,
          QUERY_STRING: query >= 0 ? req.url.slice(query + 1) : '',
          REQUEST_METHOD: req.method,
          REMOTE_USER: basicUser(req),
          REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
          SERVER_PROTOCOL: `HTTP/${req.raw.httpVersion}`,
          ...optional('CONTENT_TYPE', header('content-type')),
          ...optional('CONTENT_LENGTH', header('content-length')),
          ...optional('HTTP_CONTENT_ENCODING', header('content-encoding')),
          ...optional('GIT_PROTOCOL', header('git-protocol')),
          ...hook,
        };
        const input = req.method === 'POST' ? (req.body as Readable) : null;

        /** Starts git http-backend; `answered` settles once the response is under way. */
        const serve = () => {
          // A push whose pusher went away still ends as git decides (the build's outcome moves the
          // branch or not), so the branch and the releases agree.
          const cgi = runCgi('git', ['http-backend'], env, input, push ? 'finish' : 'stop');
          running.add(cgi.child);
          void cgi.closed.then(() => running.delete(cgi.child));
          const answered = cgi.response.then(
            (res) => {
              void reply.code(res.status).headers(res.headers).send(res.body);
            },
            (err: Error) => {
              process.stderr.write(`slipway platform: git: ${err.message}\n`);
              void sendText(reply, 502, 'git http-backend failed in the Slipway platform; see its log');
            },
          );
          return { answered, closed: cgi.closed };
        };
        if (!push) {
          await serve().answered;
          return reply;
        }
        // Wait for the app's push queue, answer once git http-backend runs, leave the queue when it ends.
        await new Promise<void>((answered, failed) => {
          pushes
            .run(app, async () => {
              const run = serve();
              void run.answered.then(answered);
              await run.closed;
            })
            .catch(failed);
        });
        return reply;
      },
    });
    registered();
  });
}
