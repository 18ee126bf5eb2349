/**
 * One redis-server per Redis add-on: `$SLIPWAY_HOME/addons/redis/NAME/` holds its redis.conf
 * (127.0.0.1, its port, requirepass), its append-only file, pid file and log. Started detached,
 * taken over after a kill -9 of the platform (found by its pid file and its command line).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, probePort } from '../dynos/ports';
import { redisServerBin } from './services';
import { isOurServer, spawnServer, stopPid, waitReady } from './server-process';

export class RedisServer {
  readonly dir: string;
  readonly conf: string;
  readonly logFile: string;
  private readonly pidFile: string;
  private pid: number | null = null;

  constructor(root: string, readonly name: string, private port: number, private readonly password: string) {
    this.dir = join(root, 'addons', 'redis', name);
    this.conf = join(this.dir, 'redis.conf');
    this.logFile = join(this.dir, 'redis.log');
    this.pidFile = join(this.dir, 'redis.pid');
  }

  get serverPid(): number | null {
    return this.pid;
  }

  private writeConf(): void {
    writeFileSync(this.conf, [
      '# Written by Slipway for one Redis add-on',
      'bind 127.0.0.1',
      `port ${this.port}`,
      `requirepass ${this.password}`,
      `dir ${this.dir}`,
      'appendonly yes',
      'appendfsync everysec',
      `pidfile ${this.pidFile}`,
      `logfile ${this.logFile}`,
      'daemonize no',
      'protected-mode yes',
      '',
    ].join('\n'), { mode: 0o600 });
  }

  /** Starts it (or takes over the one a killed platform left); returns the port it listens on. */
  async start(warn: (message: string) => void): Promise<number> {
    const bin = redisServerBin();
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const old = this.pidFromFile();
    if (old !== null && isOurServer(old, this.dir)) {
      this.pid = old;
      return this.port;
    }
    try {
      await probePort(this.port);
    } catch {
      const port = await freePort();
      warn(`Redis add-on ${this.name}: port ${this.port} is taken by another program; it moves to port ${port} (its REDIS_URL follows)`);
      this.port = port;
    }
    this.writeConf();
    rmSync(this.pidFile, { force: true });
    const logStart = existsSync(this.logFile) ? readFileSync(this.logFile).length : 0;
    const server = spawnServer(bin, [this.conf], { logFile: join(this.dir, 'redis.stdout'), cwd: this.dir });
    const ready = () => {
      try {
        return readFileSync(this.logFile).subarray(logStart).includes('Ready to accept connections');
      } catch {
        return false;
      }
    };
    await waitReady(`Redis (${this.name})`, server, ready, this.logFile, 30_000);
    this.pid = server.pid;
    return this.port;
  }

  private pidFromFile(): number | null {
    try {
      const pid = Number(readFileSync(this.pidFile, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  }

  /** SIGTERM: redis flushes its append-only file and exits. */
  async stop(): Promise<void> {
    // a pid this run started or took over is ours; one read from the file is checked first
    const pid = this.pid ?? this.pidFromFile();
    const known = this.pid !== null;
    this.pid = null;
    if (pid !== null && (known || isOurServer(pid, this.dir))) await stopPid(pid, 'SIGTERM', 30_000);
  }

  /** Stops it and removes its data (addons:destroy). */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function newRedisPort(): Promise<number> {
  return freePort();
}
