/**
 * What the Slipway language server accepts beyond LSP, all of it optional: the editor tells it
 * which app each folder is deployed to and what its dynos are doing, and the server shows that
 * in Procfile hovers and CodeLens. A client that sends nothing gets every other feature.
 *
 * - `initializationOptions: { deployments?: Deployment[] }` at `initialize`;
 * - the notification `slipway/deployments` (`{ deployments: Deployment[] }`) whenever it
 *   changes: it replaces the whole list.
 *
 * Shared by the server and extension/language-client.ts (types only: no runtime imports, so
 * that either bundle can take it).
 */

import type { DynoState } from '../../platform/api/schemas';

export const DEPLOYMENTS_NOTIFICATION = 'slipway/deployments';

/** The platform's dyno states (the API contract's). */
export type { DynoState };

export interface DeploymentDyno {
  /** `web.1` */
  name: string;
  /** `web` */
  type: string;
  state: DynoState;
  /** when the dyno entered its state (ISO 8601) */
  since?: string;
  /** when a crashed dyno starts again (ISO 8601) */
  nextRestartAt?: string | null;
}

export interface Deployment {
  /** The app folder (absolute file system path): the directory of its Procfile. */
  folder: string;
  app: string;
  /** The current release (`v3` → 3); null: the app has no release yet (not deployed). */
  release: number | null;
  /** Dynos per process type of the current release (0 for a type scaled down). */
  formation: Record<string, number>;
  dynos: DeploymentDyno[];
  /** The app's URL (`http://APP.localhost:5100/`). */
  url?: string;
}

export interface DeploymentsParams {
  deployments: Deployment[];
}

export interface InitializationOptions {
  deployments?: Deployment[];
}

/** The extension commands that the Procfile CodeLens runs, each with `{ app, type }`. */
export const LENS_COMMANDS = {
  scale: 'slipway.ps.scale',
  restart: 'slipway.ps.restart',
  logs: 'slipway.logs.show',
} as const;

export interface LensCommandArgs {
  app: string;
  type: string;
}
