/**
 * Add-on and backup records in LevelDB (keys in store/db.ts). Pure reads and the shapes; the
 * services that change them are addons.ts and backups.ts.
 */
import type { Addon, Backup } from '../api/schemas';
import { addonPrefix, backupPrefix, listPrefix, type Db } from '../store/db';

export type ServiceName = 'slipway-postgresql' | 'slipway-redis';

export interface AddonRecord {
  name: string;
  app: string;
  service: ServiceName;
  plan: string;
  /** DATABASE, REDIS, POSTGRESQL_AMBER, or what --as gave. */
  attachment: string;
  /** `${attachment}_URL`, owned by the add-on. */
  configVar: string;
  /** `deprovisioning`: detached, its database or server still being removed (finished at start). */
  state: 'provisioning' | 'available' | 'failed' | 'deprovisioning';
  createdAt: string;
  /** Loopback port: the cluster's (PostgreSQL) or the add-on's own server's (Redis). */
  port: number;
  password: string;
  /** PostgreSQL: database and role name (the same). */
  database?: string;
}

export interface BackupRecord {
  id: string;
  app: string;
  addon: string;
  createdAt: string;
  bytes: number;
  status: 'running' | 'succeeded' | 'failed';
  reason: string;
}

export function addonUrl(rec: AddonRecord): string {
  return rec.service === 'slipway-postgresql'
    ? `postgres://${rec.database}:${rec.password}@127.0.0.1:${rec.port}/${rec.database}`
    : `redis://:${rec.password}@127.0.0.1:${rec.port}`;
}

export function toApiAddon(rec: AddonRecord): Addon {
  return {
    name: rec.name,
    app: rec.app,
    service: rec.service,
    plan: rec.plan,
    attachment: rec.attachment,
    configVar: rec.configVar,
    state: rec.state,
    createdAt: rec.createdAt,
  };
}

export function toApiBackup(rec: BackupRecord): Backup {
  return { id: rec.id, addon: rec.addon, createdAt: rec.createdAt, bytes: rec.bytes, status: rec.status, reason: rec.reason };
}

export async function appAddons(db: Db, app: string): Promise<AddonRecord[]> {
  return listPrefix<AddonRecord>(db, addonPrefix(app));
}

/** The add-ons attached now (what releases list, whose vars config:set refuses). */
export async function attachedAddons(db: Db, app: string): Promise<AddonRecord[]> {
  return (await appAddons(db, app)).filter((a) => a.state === 'available');
}

export async function appBackups(db: Db, app: string): Promise<BackupRecord[]> {
  return listPrefix<BackupRecord>(db, backupPrefix(app));
}

/** What a release records of its add-ons (releases:info). */
export function releaseAddon(rec: AddonRecord): { name: string; service: string; attachment: string; configVar: string } {
  return { name: rec.name, service: rec.service, attachment: rec.attachment, configVar: rec.configVar };
}
