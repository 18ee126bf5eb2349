/** Reads an app's `.slugignore` (at the app root; none means nothing is ignored). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostic } from '../shared/procfile';
import { EMPTY_SLUGIGNORE, parseSlugignore, type Slugignore } from '../shared/slugignore';

export interface LoadedSlugignore {
  slugignore: Slugignore;
  /** one formatted line per unsupported `!` line (SI001): the line is skipped, the build goes on */
  warnings: string[];
}

export function readSlugignoreFile(appDir: string): LoadedSlugignore {
  let text: string;
  try {
    text = readFileSync(join(appDir, '.slugignore'), 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return { slugignore: EMPTY_SLUGIGNORE, warnings: [] };
    throw err;
  }
  const slugignore = parseSlugignore(text);
  const warnings = slugignore.diagnostics.filter((d) => d.code === 'SI001').map((d) => formatDiagnostic('.slugignore', d));
  return { slugignore, warnings };
}
