/**
 * The build step's interface, shaped after Heroku's classic buildpack API (bin/detect,
 * bin/compile BUILD_DIR CACHE_DIR ENV_DIR, bin/release), so that the built-in node and plain
 * steps (builtin-buildpacks.ts) and a classic buildpack directory (classic-buildpack.ts) are
 * interchangeable in build.ts.
 */
import type { BuildLog } from './build-log';

/** The app as the build sees it: its folder and which files it has (after .slugignore). */
export interface AppTree {
  dir: string;
  has(path: string): boolean;
}

export interface CompileContext {
  /** where the app is built (the build dir; the source itself when `writesBuildDir` was false) */
  buildDir: string;
  /** per app and per buildpack, kept across builds and restarts */
  cacheDir: string;
  /** the app's config vars */
  config: Record<string, string>;
  log: BuildLog;
  signal?: AbortSignal;
}

export interface Buildpack {
  /** what BuildResult.buildpack reports: 'node', 'plain', or the buildpack's directory */
  readonly id: string;
  /** The name for "-----> NAME app detected", or null when the buildpack does not apply. */
  detect(app: AppTree, signal?: AbortSignal): Promise<string | null>;
  /**
   * Whether compile runs a program that could see (or write) a build dir. When false, compile
   * runs against the source (reading only) and the slug is made straight from it.
   */
  writesBuildDir(app: AppTree): boolean;
  compile(c: CompileContext): Promise<void>;
  /** Default process types (used when the Procfile declares none). */
  release(buildDir: string, signal?: AbortSignal): Promise<Record<string, string>>;
  /** The warning's advice when there is no Procfile and no default process type. */
  readonly noProcessTypesAdvice: string;
}
