/**
 * The dyno manager's contract (PLATFORM.md, Dynos; CLI.md's `Dyno` object). The API layer
 * maps DynoInfo to JSON as is (`command` is extra: the editor shows it).
 */

import type { DynoState } from '../api/schemas';

/** PLATFORM.md's dyno states, as the API contract declares them. */
export type { DynoState };

export interface DynoInfo {
  /** `web.1`, `run.1234`, `release`. */
  name: string;
  type: string;
  state: DynoState;
  port: number | null;
  /** The process group the platform signals (a sandboxed dyno: its session inside bwrap). */
  pid: number | null;
  release: number;
  /** ISO 8601 with milliseconds: the last state change. */
  since: string;
  restarts: number;
  nextRestartAt: string | null;
  sandboxed: boolean;
  command: string;
}

/** What a dyno runs: a release (ReleaseRecord's fields, with the slug's path). */
export interface ReleaseSpec {
  app: string;
  version: number;
  slugPath: string;
  config: Record<string, string>;
  processTypes: Record<string, string>;
  commit: string | null;
}

export interface DynoSettings {
  bootTimeoutS: number;
  stopGraceS: number;
  releasePhaseTimeoutS: number;
  preboot: boolean;
}

export type DynoLogSource = 'app' | 'slipway';

export interface DynoManagerOptions {
  /** Per-app work dirs live in appsDir/NAME; the manager owns appsDir/NAME/dynos. */
  appsDir: string;
  /** Where the running process groups are recorded for crash recovery. */
  stateDir: string;
  settings: () => DynoSettings;
  /** App output line by line (stdout and stderr), and the platform's events about a dyno. */
  log(app: string, source: DynoLogSource, dyno: string, message: string): void;
  /** Any dyno state change of the app. */
  onChange(app: string): void;
  /**
   * Resolves once the router routes by the app's current web dynos (the nginx engine reloads;
   * router.ts). A dyno leaving the routes stops only after, and apply() resolves only after,
   * so no request goes to a dyno that is stopping. Default: at once.
   */
  routesChanged?(app: string): Promise<void>;
  /** Default: bubblewrap when it works here. */
  sandbox?: boolean;
  /** Host dirs a sandboxed dyno must not see at all (the platform's home). */
  hide?: readonly string[];
}

export interface OneOffIo {
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** A started one-off dyno. */
export interface OneOffRun {
  name: string;
  /** It runs on a pseudo-terminal (asked for, and available here). */
  tty: boolean;
  /** The command's exit status (128 + N for signal N). */
  exit: Promise<number>;
  /** Changes the pty's size (nothing without a pty). */
  resize(size: { cols: number; rows: number }): void;
}
