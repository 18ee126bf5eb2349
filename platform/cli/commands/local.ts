/** slug:files, slug:size, procfile:check: they work on the local folder and need no platform. */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatDiagnostic, hasErrors, parseProcfile } from '../../shared/procfile';
import { listSlugFiles } from '../../shared/slug-files';
import { formatSize } from '../../shared/size';
import { predictSlugSize } from '../../shared/slug-estimate';
import type { Command } from '../command';
import { CliError } from '../errors';
import { columns } from '../format';

async function folder(arg: string | undefined): Promise<string> {
  const dir = resolve(arg ?? '.');
  const st = await stat(dir).catch(() => null);
  if (!st) throw new CliError('dir_missing', `${dir}: no such directory`);
  if (!st.isDirectory()) throw new CliError('dir_not_directory', `${dir} is not a directory`);
  return dir;
}

export const localCommands: Command[] = [
  {
    name: 'slug:files',
    usage: 'slug:files [DIR]',
    summary: 'the files that would go into a slug, before build steps',
    args: [0, 1],
    async run(inv) {
      const dir = await folder(inv.positionals[0]);
      const { files, warnings } = await listSlugFiles(dir);
      for (const w of warnings) inv.progress(`warning: ${w}\n`);
      const paths = files.map((f) => f.path);
      inv.print(paths, paths.join('\n'));
    },
  },
  {
    name: 'slug:size',
    usage: 'slug:size [DIR]',
    summary: 'predicted compressed size, class and largest contributors',
    args: [0, 1],
    async run(inv) {
      const dir = await folder(inv.positionals[0]);
      const size = await predictSlugSize(dir);
      const human = [
        `Predicted slug size: ${formatSize(size.bytes)} (${size.class}), before build steps`,
        ...(size.top.length ? ['Largest contributors:', columns(size.top.map((t) => [`  ${formatSize(t.bytes)}`, t.path]))] : []),
      ].join('\n');
      inv.print(size, human);
    },
  },
  {
    name: 'procfile:check',
    usage: 'procfile:check [FILE]',
    summary: 'validate a Procfile (default ./Procfile); exit 1 when it has errors',
    args: [0, 1],
    async run(inv) {
      const file = resolve(inv.positionals[0] ?? 'Procfile');
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        throw new CliError('procfile_missing', `${file}: no such file; a Procfile declares process types, one a line, like "web: node server.js"`);
      }
      const parsed = parseProcfile(text);
      const shown = inv.positionals[0] ?? 'Procfile';
      const lines = parsed.diagnostics.map((d) => formatDiagnostic(shown, d));
      const types = parsed.processes.map((p) => p.type);
      if (!hasErrors(parsed)) lines.push(types.length ? `${shown} declares types -> ${types.join(', ')}` : `${shown} declares no process types`);
      inv.print(
        {
          processes: parsed.processes.map((p) => ({ type: p.type, command: p.command, line: p.line })),
          diagnostics: parsed.diagnostics.map((d) => ({ line: d.line, column: d.column, severity: d.severity, code: d.code, message: d.message })),
        },
        lines.join('\n'),
      );
      return hasErrors(parsed) ? 1 : 0;
    },
  },
];
