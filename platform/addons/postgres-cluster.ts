/**
 * The platform home's one PostgreSQL cluster (`$SLIPWAY_HOME/addons/postgresql`): created on the
 * first PostgreSQL add-on with Debian's initdb, run with Debian's postgres on 127.0.0.1 at a port
 * chosen once (cluster.json), TCP only (no socket to share), every role by password
 * (scram-sha-256) and pg_hba's `sameuser`, so an add-on's role reaches only its own database.
 *
 * PostgreSQL refuses to run as root. When the platform is root the cluster runs as Debian's
 * `postgres` user (created as `slipway-postgres` where there is none) and owns its data dir; the
 * platform's home and addons/ become 0711 (others may pass through, not list) so that user can
 * reach it. Where a parent of the home is closed to it (root's own ~/.slipway under /root), the
 * data dir lives in /var/lib/slipway/postgresql-HASH instead, named in cluster.json.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PlatformError } from '../errors';
import { freePort, probePort } from '../dynos/ports';
import { postgresBinDir } from './services';
import { isOurServer, spawnServer, stopPid, waitReady, type SpawnedServer } from './server-process';

export const ADMIN_ROLE = 'slipway';

interface ClusterFile {
  port: number;
  adminPassword: string;
  dataDir: string;
}

export interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

/** The unprivileged user a root platform runs the cluster as; null when the platform is not root. */
export function clusterUser(): RunAs | null {
  if (process.getuid?.() !== 0) return null;
  for (const name of ['postgres', 'slipway-postgres']) {
    try {
      const [, , uid, gid] = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim().split(':');
      return { name, uid: Number(uid), gid: Number(gid) };
    } catch {
      // not this one
    }
  }
  execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'slipway-postgres'], { stdio: 'ignore' });
  return clusterUser();
}

/** Can a user other than root reach `dir` (every ancestor executable by others)? */
function reachableByOthers(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (d === dirname(d)) return true;
  }
}

export class PostgresCluster {
  readonly dir: string;
  private readonly file: string;
  private state: ClusterFile | null = null;
  private pid: number | null = null;
  private starting: Promise<void> | null = null;
  readonly logFile: string;

  constructor(
    private readonly home: string,
    private readonly warn: (message: string) => void,
  ) {
    this.dir = join(home, 'addons', 'postgresql');
    this.file = join(this.dir, 'cluster.json');
    this.logFile = join(this.dir, 'postgres.log');
  }

  exists(): boolean {
    return existsSync(this.file);
  }

  get port(): number {
    if (!this.state) throw new Error('the PostgreSQL cluster is not running');
    return this.state.port;
  }

  get running(): boolean {
    return this.pid !== null;
  }

  get serverPid(): number | null {
    return this.pid;
  }

  /** Starts the cluster (creating it first if needed) once; concurrent callers share the start. */
  ensureRunning(): Promise<void> {
    if (this.pid !== null) return Promise.resolve();
    return (this.starting ??= this.start().finally(() => (this.starting = null)));
  }

  private async start(): Promise<void> {
    const bin = postgresBinDir();
    const user = clusterUser();
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (user) {
      // the cluster's user passes through the home to its data dir, but cannot list it
      for (const d of [this.home, join(this.home, 'addons'), this.dir]) chmodSync(d, 0o711);
      const db = join(this.home, 'db');
      if (existsSync(db)) chmodSync(db, 0o700);
    }
    if (!this.exists()) await this.create(bin, user);
    this.state = JSON.parse(readFileSync(this.file, 'utf8')) as ClusterFile;
    const data = this.state.dataDir;

    // After a kill -9 of the platform its postgres still runs: take it over (postgres's own
    // postmaster.pid lock would refuse a second one anyway).
    const running = this.postmasterPid(data);
    if (running !== null && isOurServer(running, data)) {
      this.pid = running;
      return;
    }
    try {
      await probePort(this.state.port);
    } catch {
      const port = await freePort();
      this.warn(`the PostgreSQL cluster's port ${this.state.port} is taken by another program; the cluster moves to port ${port} (DATABASE_URLs follow)`);
      this.state = { ...this.state, port };
      this.writeState(this.state);
    }
    const server = spawnServer(join(bin, 'postgres'), ['-D', data, '-c', 'listen_addresses=127.0.0.1', '-c', `port=${this.state.port}`, '-c', "unix_socket_directories=", '-c', 'shared_buffers=16MB', '-c', 'max_connections=100', '-c', 'logging_collector=off'], {
      logFile: this.logFile,
      uid: user?.uid,
      gid: user?.gid,
      cwd: data,
    });
    if (user) chownSync(this.logFile, user.uid, user.gid);
    await waitReady('PostgreSQL', server, () => this.postmasterReady(data, server), this.logFile, 60_000);
    this.pid = server.pid;
  }

  private postmasterPid(data: string): number | null {
    try {
      const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  }

  /** postmaster.pid's status line says `ready` once connections are accepted (PostgreSQL 10+). */
  private postmasterReady(data: string, server: SpawnedServer): boolean {
    try {
      const lines = readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n');
      return Number(lines[0]) === server.pid && lines[7]?.trim() === 'ready';
    } catch {
      return false;
    }
  }

  private writeState(state: ClusterFile): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  private async create(bin: string, user: RunAs | null): Promise<void> {
    let dataDir = join(this.dir, 'data');
    if (user && !reachableByOthers(this.dir)) {
      dataDir = join('/var/lib/slipway', `postgresql-${createHash('sha256').update(this.home).digest('hex').slice(0, 12)}`);
      mkdirSync(dirname(dataDir), { recursive: true, mode: 0o755 });
    }
    // initdb into a temporary dir, renamed once complete: a kill -9 mid-way leaves no half cluster
    const tmp = `${dataDir}.init`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { mode: 0o700 });
    const adminPassword = randomBytes(24).toString('hex');
    const pwfile = join(tmp, '..', `.pwfile-${process.pid}`);
    writeFileSync(pwfile, adminPassword + '\n', { mode: 0o600 });
    if (user) {
      chownSync(tmp, user.uid, user.gid);
      chownSync(pwfile, user.uid, user.gid);
    }
    try {
      await run(join(bin, 'initdb'), ['-D', tmp, '-U', ADMIN_ROLE, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C'], user);
    } catch (err) {
      throw new PlatformError('server_start_failed', `initdb could not create the PostgreSQL cluster in ${dataDir}: ${(err as Error).message}`, 500);
    } finally {
      rmSync(pwfile, { force: true });
    }
    // The admin reaches every database; every other role only the database of its own name.
    writeFileSync(join(tmp, 'pg_hba.conf'), [
      '# Written by Slipway: TCP on loopback only, passwords, each add-on role to its own database',
      `host all ${ADMIN_ROLE} 127.0.0.1/32 scram-sha-256`,
      'host sameuser all 127.0.0.1/32 scram-sha-256',
      '',
    ].join('\n'));
    if (user) chownSync(join(tmp, 'pg_hba.conf'), user.uid, user.gid);
    renameSync(tmp, dataDir);
    this.writeState({ port: await freePort(), adminPassword, dataDir });
  }

  /** Runs SQL statements as the admin, each on its own (CREATE DATABASE cannot share a transaction). */
  async admin(statements: string[], database = 'postgres'): Promise<string> {
    await this.ensureRunning();
    const args = ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(this.port), '-U', ADMIN_ROLE, '-d', database];
    for (const s of statements) args.push('-c', s);
    return run(join(postgresBinDir(), 'psql'), args, null, { PGPASSWORD: this.state!.adminPassword });
  }

  /** Stops the cluster (fast shutdown: open transactions roll back, committed data is kept). */
  async stop(): Promise<void> {
    const pid = this.pid;
    this.pid = null;
    if (pid !== null) await stopPid(pid, 'SIGINT', 30_000);
  }
}

/** Runs a program to completion; rejects with its stderr. */
export function run(file: string, args: string[], user: RunAs | null, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { uid: user?.uid, gid: user?.gid, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', ...env }, maxBuffer: 64 * 1024 * 1024, cwd: '/' }, (err, stdout, stderr) => {
      if (err) reject(new Error(stderr.trim() || err.message));
      else resolve(stdout);
    });
  });
}
