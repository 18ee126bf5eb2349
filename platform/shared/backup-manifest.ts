/**
 * The manifest at the top of a `platform:backup` tar: written by the platform
 * (store/backup.ts), read by `platform:restore` in the CLI (the platform is stopped then).
 */
export const BACKUP_MANIFEST = 'slipway-backup.json';
export const BACKUP_FORMAT = 1;

export interface BackupManifest {
  format: number;
  platformVersion: string;
  createdAt: string;
  apps: number;
  releases: number;
  slugs: number;
}
