/**
 * The one typed client of the platform API, used by the CLI, the extension and the tests. Its
 * types come from the TypeBox schemas in api/schemas.ts, so client and server cannot drift.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import type { Static } from 'typebox';
import { NdjsonLines } from './ndjson';
import type * as S from './schemas';
import type { LogsQuery as LogsQuerySchema, ScaleChange } from './schemas';

export class ClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'ClientError';
  }
}

export interface ClientOptions {
  url: string;
  token: string;
}

type Json = Record<string, unknown> | unknown[];

export class SlipwayClient {
  constructor(private readonly opts: ClientOptions) {}

  get url(): string {
    return this.opts.url;
  }

  /**
   * One request through node:http (not fetch: undici's pooled connection kept every CLI
   * command alive 60–100 ms after its answer). Kept-alive sockets of the global agent are
   * unref'd while idle, so they never hold a process open; the extension still reuses them.
   * Resolves with the response once its status is 2xx; its body is still to be read.
   */
  private send(method: string, path: string, body?: Json, signal?: AbortSignal): Promise<IncomingMessage> {
    const payload = body !== undefined ? JSON.stringify(body) : undefined;
    const what = `${method} ${path}`;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest(
        new URL(path, this.opts.url),
        {
          method,
          signal,
          headers: {
            authorization: `Bearer ${this.opts.token}`,
            ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(res);
          readBody(res).then(
            (text) => {
              let code = 'http_' + status;
              let message = `the platform answered ${status} ${res.statusMessage ?? ''}`.trimEnd();
              try {
                const parsed = JSON.parse(text) as Partial<S.ErrorBody>;
                if (parsed.error) ({ code, message } = parsed.error);
              } catch {
                // not JSON: keep the status line
              }
              reject(new ClientError(code, message, status));
            },
            (err: unknown) => reject(signal?.aborted ? (err as Error) : platformStopped(what)),
          );
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (signal?.aborted) return reject(err);
        // Refused or absent: nothing listens. Reset or hung up: it went away under the request.
        if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return reject(platformStopped(what));
        reject(new ClientError('platform_unreachable', `cannot reach the Slipway platform at ${this.opts.url} (${err.code ?? err.message}); start it with: slipway platform:start --detach`, null));
      });
      req.end(payload);
    });
  }

  private async json<T>(method: string, path: string, body?: Json): Promise<T> {
    const res = await this.send(method, path, body);
    let text: string;
    try {
      text = await readBody(res);
    } catch {
      throw platformStopped(`${method} ${path}`);
    }
    return JSON.parse(text) as T;
  }

  /**
   * Each NDJSON item of a streaming response, in order. When `onItem` returns a promise the
   * response is not read further until it settles: a slow consumer (a full stdout) holds the
   * socket, not an unbounded queue. Ends when the response does or `signal` aborts.
   */
  private async eachItem<T>(res: IncomingMessage, what: string, onItem: (item: T) => void | Promise<void>, signal?: AbortSignal): Promise<void> {
    const lines = new NdjsonLines();
    try {
      for await (const chunk of res) {
        for (const line of lines.push(chunk as Buffer)) {
          const pending = onItem(JSON.parse(line) as T);
          if (pending) await pending;
        }
      }
      for (const line of lines.end()) await onItem(JSON.parse(line) as T);
    } catch (err) {
      if (signal?.aborted) return;
      if (err instanceof SyntaxError || err instanceof ClientError) throw err;
      throw platformStopped(what);
    }
    if (!res.complete && !signal?.aborted) throw platformStopped(what);
  }

  status(): Promise<S.PlatformStatus> {
    return this.json('GET', '/platform');
  }

  stop(): Promise<{ stopping: boolean }> {
    return this.json('POST', '/platform/stop');
  }

  /** A consistent copy of the state and the slugs, as a tar file on the platform's machine. */
  backup(file?: string): Promise<S.BackupResult> {
    return this.json('POST', '/platform/backups', file === undefined ? {} : { file });
  }

  apps(): Promise<S.App[]> {
    return this.json('GET', '/apps');
  }

  createApp(name: string): Promise<S.App> {
    return this.json('POST', '/apps', { name });
  }

  app(name: string): Promise<S.App> {
    return this.json('GET', `/apps/${encodeURIComponent(name)}`);
  }

  destroyApp(name: string): Promise<{ destroyed: string }> {
    return this.json('DELETE', `/apps/${encodeURIComponent(name)}`);
  }

  releases(app: string, limit?: number): Promise<S.Release[]> {
    return this.json('GET', `/apps/${encodeURIComponent(app)}/releases${limit ? `?limit=${limit}` : ''}`);
  }

  release(app: string, version: number): Promise<S.ReleaseInfo> {
    return this.json('GET', `/apps/${encodeURIComponent(app)}/releases/${version}`);
  }

  rollback(app: string, version?: number): Promise<S.RollbackResult> {
    return this.json('POST', `/apps/${encodeURIComponent(app)}/rollback`, version === undefined ? {} : { version });
  }

  config(app: string): Promise<S.ConfigVars> {
    return this.json('GET', `/apps/${encodeURIComponent(app)}/config`);
  }

  changeConfig(app: string, change: { set?: S.ConfigVars; unset?: string[] }): Promise<S.ConfigPatchResult> {
    return this.json('PATCH', `/apps/${encodeURIComponent(app)}/config`, change);
  }

  buildpacks(app: string): Promise<S.Buildpacks> {
    return this.json('GET', `/apps/${encodeURIComponent(app)}/buildpacks`);
  }

  /** DIR must be absolute (a path on the platform's machine, which is this one). */
  setBuildpack(app: string, dir: string): Promise<S.Buildpacks> {
    return this.json('PUT', `/apps/${encodeURIComponent(app)}/buildpacks`, { buildpacks: [dir] });
  }

  clearBuildpacks(app: string): Promise<S.Buildpacks> {
    return this.json('DELETE', `/apps/${encodeURIComponent(app)}/buildpacks`);
  }

  logs(app: string, q: Omit<LogsQuery, 'tail'> = {}): Promise<S.LogLine[]> {
    return this.json('GET', `/apps/${encodeURIComponent(app)}/logs${query(q)}`);
  }

  /**
   * The last lines, then every new line until `signal` aborts (or the platform stops: then a
   * ClientError `platform_stopped`). `onLine` may return a promise to hold the stream (backpressure).
   */
  async tailLogs(app: string, q: Omit<LogsQuery, 'tail'>, onLine: (line: S.LogLine) => void | Promise<void>, signal?: AbortSignal): Promise<void> {
    const path = `/apps/${encodeURIComponent(app)}/logs${query({ ...q, tail: true })}`;
    const res = await this.send('GET', path, undefined, signal);
    await this.eachItem(res, `GET ${path}`, onLine, signal);
  }

  /** Platform events (what changed) until `signal` aborts; the first is `hello`. */
  async events(onEvent: (event: S.PlatformEvent) => void, signal?: AbortSignal): Promise<void> {
    const res = await this.send('GET', '/events', undefined, signal);
    await this.eachItem(res, 'GET /events', onEvent, signal);
  }

  maintenance(app: string, on?: boolean): Promise<{ maintenance: boolean }> {
    return on === undefined ? this.json('GET', `/apps/${encodeURIComponent(app)}/maintenance`) : this.json('PUT', `/apps/${encodeURIComponent(app)}/maintenance`, { maintenance: on });
  }

  dynos(app: string): Promise<S.Dyno[]> {
    return this.json('GET', `/apps/${encodeURIComponent(app)}/dynos`);
  }

  formation(app: string): Promise<S.Formation> {
    return this.json('GET', `/apps/${encodeURIComponent(app)}/formation`);
  }

  scale(app: string, changes: ScaleChange[]): Promise<S.Formation> {
    return this.json('PATCH', `/apps/${encodeURIComponent(app)}/formation`, { changes });
  }

  restart(app: string, target?: string): Promise<S.Dyno[]> {
    return this.json('POST', `/apps/${encodeURIComponent(app)}/dynos/restart`, target === undefined ? {} : { target });
  }

  stopDyno(app: string, dyno: string): Promise<S.Dyno[]> {
    return this.json('POST', `/apps/${encodeURIComponent(app)}/dynos/${encodeURIComponent(dyno)}/stop`);
  }

  /**
   * Runs COMMAND in a one-off dyno with pipes; `stdin` (if any) is streamed to it while its
   * output arrives. Uses node:http rather than fetch so that the request body can stream
   * during the response.
   */
  run(app: string, command: string, io: RunIo & { stdin?: NodeJS.ReadableStream }): Promise<number> {
    const { req, exit } = this.runExchange(app, { command }, 'application/octet-stream', io);
    if (io.stdin) io.stdin.pipe(req);
    else req.end();
    return exit;
  }

  /**
   * Runs COMMAND in a one-off dyno on a pseudo-terminal of the given size (when the platform
   * can make one: see `onStart`'s `tty`). The session takes keystrokes and resizes while the
   * terminal's output arrives (as `onStdout`); `exit` is the command's status.
   */
  runTty(app: string, command: string, tty: RunTty, io: RunIo): RunSession {
    const query = { command, tty: true, cols: tty.cols, rows: tty.rows, ...(tty.term ? { term: tty.term } : {}) };
    const { req, exit } = this.runExchange(app, query, 'application/x-ndjson', io);
    const send = (input: S.RunInput) => {
      if (!req.writableEnded && !req.destroyed) req.write(JSON.stringify(input) + '\n');
    };
    const end = () => {
      if (!req.writableEnded) req.end();
    };
    void exit.then(end, end);
    return {
      exit,
      write: (data) => send({ type: 'stdin', data: Buffer.from(data).toString('base64') }),
      resize: (cols, rows) => send({ type: 'resize', cols, rows }),
      end,
      close: () => req.destroy(),
    };
  }

  /** POST /apps/:app/run: the request is returned open (its body streams); `exit` settles once. */
  private runExchange(app: string, q: Record<string, string | number | boolean>, contentType: string, io: RunIo): { req: ClientRequest; exit: Promise<number> } {
    const url = new URL(`/apps/${encodeURIComponent(app)}/run${query(q)}`, this.opts.url);
    let req!: ClientRequest;
    const exit = new Promise<number>((resolve, reject) => {
      const interrupted = () => new ClientError('run_interrupted', 'the connection to the platform was lost before the one-off dyno ended (did the platform stop?)', null);
      req = httpRequest(url, { method: 'POST', headers: { authorization: `Bearer ${this.opts.token}`, 'content-type': contentType } }, (res) => {
        if ((res.statusCode ?? 500) >= 400) {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => {
            try {
              const e = (JSON.parse(body) as S.ErrorBody).error;
              reject(new ClientError(e.code, e.message, res.statusCode ?? null));
            } catch {
              reject(new ClientError(`http_${res.statusCode}`, `the platform answered ${res.statusCode}`, res.statusCode ?? null));
            }
          });
          res.on('error', () => reject(interrupted()));
          return;
        }
        const lines = new NdjsonLines();
        let code: number | null = null;
        res.on('data', (d: Buffer) => {
          for (const line of lines.push(d)) {
            const ev = JSON.parse(line) as S.RunEvent;
            if (ev.type === 'stdout') io.onStdout(Buffer.from(ev.data, 'base64'));
            else if (ev.type === 'stderr') io.onStderr(Buffer.from(ev.data, 'base64'));
            else if (ev.type === 'started') io.onStart?.(ev.dyno, ev.tty ?? false);
            else if (ev.type === 'exit') code = ev.code;
          }
        });
        const settle = () => (code === null ? reject(interrupted()) : resolve(code));
        res.on('end', settle);
        res.on('close', settle);
        res.on('error', settle);
      });
      req.setNoDelay(true);
      // The headers go now: a tty's first keystroke waits for `started`, which waits for them.
      req.flushHeaders();
      req.on('error', (err) => reject(new ClientError('platform_unreachable', `cannot reach the Slipway platform at ${this.opts.url} (${err.message})`, null)));
    });
    return { req, exit };
  }

  /** Builds DIR (absolute, on this machine) and releases it; build output arrives line by line. */
  async deploy(app: string, dir: string, opts: { commit?: string | null; onOutput?: (line: string) => void } = {}): Promise<S.Release> {
    const path = `/apps/${encodeURIComponent(app)}/deploys`;
    const res = await this.send('POST', path, { dir, ...(opts.commit ? { commit: opts.commit } : {}) });
    let result: S.Release | undefined;
    await this.eachItem<S.DeployEvent>(res, `POST ${path}`, (event) => {
      if (event.type === 'output') opts.onOutput?.(event.line);
      else if (event.type === 'release') result = event.release;
      else throw new ClientError(event.error.code, event.error.message, res.statusCode ?? null);
    });
    if (!result) throw new ClientError('deploy_interrupted', 'the deploy stream ended without a result (did the platform stop?); check `slipway releases`', res.statusCode ?? null);
    return result;
  }

  // ---- Add-ons and backups ----

  /** Rollback with the data-safe options (`--restore-data --confirm APP`). */
  rollbackWith(app: string, body: { version?: number; restoreData?: boolean; confirm?: string }): Promise<S.RollbackResult> {
    return this.json('POST', `/apps/${encodeURIComponent(app)}/rollback`, body);
  }

  addons(app: string): Promise<S.Addon[]> {
    return this.json('GET', `/apps/${encodeURIComponent(app)}/addons`);
  }

  createAddon(app: string, service: string, as?: string): Promise<S.CreateAddonResult> {
    return this.json('POST', `/apps/${encodeURIComponent(app)}/addons`, as === undefined ? { service } : { service, as });
  }

  addon(app: string, name: string): Promise<S.Addon> {
    return this.json('GET', `/apps/${encodeURIComponent(app)}/addons/${encodeURIComponent(name)}`);
  }

  destroyAddon(app: string, name: string, confirm?: string): Promise<S.DestroyAddonResult> {
    return this.json('DELETE', `/apps/${encodeURIComponent(app)}/addons/${encodeURIComponent(name)}`, confirm === undefined ? {} : { confirm });
  }

  pgInfo(app: string): Promise<S.PgInfo[]> {
    return this.json('GET', `/apps/${encodeURIComponent(app)}/pg`);
  }

  pgCredentials(app: string, addon?: string): Promise<S.AddonCredentials> {
    return this.json('GET', `/apps/${encodeURIComponent(app)}/pg/credentials${addon ? `?addon=${encodeURIComponent(addon)}` : ''}`);
  }

  pgReset(app: string, addon: string | undefined, confirm: string | undefined): Promise<S.Addon> {
    return this.json('POST', `/apps/${encodeURIComponent(app)}/pg/reset`, { ...(addon ? { addon } : {}), ...(confirm !== undefined ? { confirm } : {}) });
  }

  redisInfo(app: string): Promise<S.RedisInfo[]> {
    return this.json('GET', `/apps/${encodeURIComponent(app)}/redis`);
  }

  redisCredentials(app: string, addon?: string): Promise<S.AddonCredentials> {
    return this.json('GET', `/apps/${encodeURIComponent(app)}/redis/credentials${addon ? `?addon=${encodeURIComponent(addon)}` : ''}`);
  }

  backups(app: string): Promise<S.Backup[]> {
    return this.json('GET', `/apps/${encodeURIComponent(app)}/backups`);
  }

  captureBackup(app: string, addon?: string): Promise<S.Backup> {
    return this.json('POST', `/apps/${encodeURIComponent(app)}/backups`, addon ? { addon } : {});
  }

  restoreBackup(app: string, opts: { backup?: string; addon?: string; confirm?: string }): Promise<S.RestoreResult> {
    return this.json('POST', `/apps/${encodeURIComponent(app)}/backups/restore`, opts);
  }

  deleteBackup(app: string, backup: string, confirm?: string): Promise<S.Backup> {
    return this.json('DELETE', `/apps/${encodeURIComponent(app)}/backups/${encodeURIComponent(backup)}`, confirm === undefined ? {} : { confirm });
  }

  /** The dump file of BACKUP (default the newest): its id and a stream of its bytes. */
  async downloadBackup(app: string, backup?: string): Promise<{ id: string; body: NodeJS.ReadableStream }> {
    const res = await this.send('GET', `/apps/${encodeURIComponent(app)}/backups/${encodeURIComponent(backup ?? 'latest')}/download`);
    const id = res.headers['x-backup-id'];
    return { id: typeof id === 'string' ? id : (backup ?? 'latest'), body: res };
  }
}

export type LogsQuery = Static<typeof LogsQuerySchema>;

/** What a one-off dyno's caller gets: its output as it arrives, and its name once it runs. */
export interface RunIo {
  onStdout(b: Buffer): void;
  onStderr(b: Buffer): void;
  /** `tty`: the command has a pseudo-terminal (false when the platform cannot make one). */
  onStart?(dyno: string, tty: boolean): void;
}

export interface RunTty {
  cols: number;
  rows: number;
  /** TERM for the command (default xterm-256color). */
  term?: string;
}

/** A one-off dyno on a pseudo-terminal, while it runs. */
export interface RunSession {
  /** The command's exit status; rejects (ClientError `run_interrupted`) if the platform goes away. */
  readonly exit: Promise<number>;
  /** Bytes typed on the terminal (Ctrl-C is 0x03: the pty makes it SIGINT for the command). */
  write(data: Uint8Array | string): void;
  resize(cols: number, rows: number): void;
  /** No more input (the command's stdin closes). */
  end(): void;
  /** Drops the connection: the platform stops the dyno. */
  close(): void;
}
export type { ScaleChange };

function query(q: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, String(v));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The platform went away while it had a request of ours (cli.ts says which command). */
function platformStopped(what: string): ClientError {
  return new ClientError('platform_stopped', `the Slipway platform stopped while answering ${what}; start it with: slipway platform:start --detach`, null);
}

/** A whole (small) response body; rejects if the connection drops before its end. */
function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (d: Buffer) => chunks.push(d));
    res.on('end', () => (res.complete ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error('aborted'))));
    res.on('error', reject);
  });
}
