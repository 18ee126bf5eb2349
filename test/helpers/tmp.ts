/** Temporary directories that tests remove after themselves, and fixture copies. */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'apps');
export const ROOT = join(__dirname, '..', '..');

export function tempDir(t: TestContext | { after(fn: () => void): void }, prefix = 'slipway-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A writable copy of a fixture app (never build inside test/fixtures). */
export function fixtureCopy(t: TestContext | { after(fn: () => void): void }, app: string): string {
  const dir = join(tempDir(t, `slipway-app-${app}-`), app);
  cpSync(join(FIXTURES, app), dir, { recursive: true });
  return dir;
}
