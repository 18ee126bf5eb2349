/** What every harness mode takes and reports, and the clean-up they share. */
import { pidAlive, readPlatformFile } from '../../../platform/discovery/platform-file';
import { homePaths } from '../../../platform/discovery/home';

export interface ModeOptions {
  /** code-server's entry.js */
  codeServer: string;
  /** where screenshots, logs and summaries go */
  out: string;
  /** a fresh temporary directory for this run */
  runRoot: string;
  /** ui: the packaged extension to install */
  vsix?: string;
  /** tests: only the tests whose title matches */
  grep?: string;
}

export interface ModeSummary {
  mode: string;
  ok: boolean;
  error?: string;
  exitCode?: number;
  totalMs?: number;
  marks: Record<string, number>;
  screenshots: string[];
  /** A platform still running after code-server was stopped (then stopped by the harness). */
  platformLeftRunning?: boolean;
  [key: string]: unknown;
}

/**
 * Stops a platform left running on a test home. Killing code-server does not give the
 * extension host a chance to deactivate, and the platform runs detached (it outlives a crashed
 * window by design), so the harness cleans up after it. Returns whether one was running.
 */
export async function stopLeftoverPlatform(home: string): Promise<boolean> {
  const info = readPlatformFile(homePaths(home).platformJson);
  if (!info || !pidAlive(info.pid)) return false;
  process.kill(info.pid, 'SIGTERM');
  const deadline = Date.now() + 15000;
  while (pidAlive(info.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (pidAlive(info.pid)) process.kill(info.pid, 'SIGKILL');
  return true;
}
