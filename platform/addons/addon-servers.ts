/**
 * The servers behind the add-ons, as running now: the home's PostgreSQL cluster and one
 * redis-server per Redis add-on. Started with the platform before any dyno (addons.ts
 * startAddons), stopped after the dynos (app.ts close).
 */
import { PostgresCluster } from './postgres-cluster';
import { RedisServer } from './redis-server';
import type { AddonRecord } from './records';

export class AddonServers {
  readonly postgres: PostgresCluster;
  private readonly redis = new Map<string, RedisServer>();

  constructor(
    private readonly home: string,
    readonly warn: (message: string) => void,
  ) {
    this.postgres = new PostgresCluster(home, warn);
  }

  redisFor(rec: AddonRecord): RedisServer {
    let server = this.redis.get(rec.name);
    if (!server) {
      server = new RedisServer(this.home, rec.name, rec.port, rec.password);
      this.redis.set(rec.name, server);
    }
    return server;
  }

  forget(name: string): void {
    this.redis.delete(name);
  }

  /** Pids of the servers running now (platform:status, tests). */
  pids(): { postgres: number | null; redis: Record<string, number | null> } {
    return { postgres: this.postgres.serverPid, redis: Object.fromEntries([...this.redis].map(([n, s]) => [n, s.serverPid])) };
  }

  async stopAll(): Promise<void> {
    await Promise.all([this.postgres.stop(), ...[...this.redis.values()].map((s) => s.stop())]);
    this.redis.clear();
  }
}
