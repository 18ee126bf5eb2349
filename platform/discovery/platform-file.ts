/**
 * `platform.json`: `{ url, routerUrl, pid, version }`, written atomically (temporary file, then
 * rename) once both ports listen. Its appearance is the ready signal; it is removed on a
 * graceful stop. After a crash it stays behind: readers check that the pid is alive.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

export interface PlatformFile {
  url: string;
  routerUrl: string;
  pid: number;
  version: string;
}

export function writePlatformFile(file: string, info: PlatformFile): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}

export function readPlatformFile(file: string): PlatformFile | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<PlatformFile>;
    if (typeof parsed.url === 'string' && typeof parsed.routerUrl === 'string' && typeof parsed.pid === 'number' && typeof parsed.version === 'string') {
      return parsed as PlatformFile;
    }
  } catch {
    // missing or half-written by another tool: treat as absent
  }
  return null;
}

/** Removes the file only if it still describes this process (a newer platform may own it). */
export function removePlatformFile(file: string, pid: number): void {
  const info = readPlatformFile(file);
  if (info && info.pid === pid) rmSync(file, { force: true });
}

/** Whether a process runs. A zombie (killed, not yet reaped by an init that may never reap it) counts as dead. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) is the answer
  }
}
