/**
 * Everything a service function needs, built once by `build(opts)` in app.ts and passed down
 * explicitly (no module-level state, so tests can run several platforms in one process).
 */
import type { BuildCaches } from './builds/build';
import type { AddonServers } from './addons/addon-servers';
import type { DynoManager } from './dynos';
import type { EventBus } from './events';
import type { HomePaths } from './discovery/home';
import type { LogStore } from './logs';
import type { Settings } from './settings';
import type { Db } from './store/db';
import type { AppLocks } from './store/app-lock';

/** What the router needs to know of an app without a database read. */
export interface AppRuntimeState {
  maintenance: boolean;
}

export interface PlatformContext {
  db: Db;
  paths: HomePaths;
  settings: Settings;
  locks: AppLocks;
  logs: LogStore;
  dynos: DynoManager;
  /** What builds keep from one to the next (directory listings, the last slug of each app). */
  builds: BuildCaches;
  events: EventBus;
  /** The add-ons' servers (PostgreSQL cluster, redis-servers). */
  addons: AddonServers;
  /** Every app, kept in memory for the router (loaded at start, updated by the services). */
  apps: Map<string, AppRuntimeState>;
  version: string;
  /** The router's port once it listens (settings.routerPort until then). */
  routerPort(): number;
}
