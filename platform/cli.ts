/**
 * The `slipway` command line (docs: README, CLI.md). Heroku's vocabulary; `--json` prints
 * exactly one JSON document on stdout; exit 0 success, 2 when the arguments cannot be parsed,
 * 1 for every other failure. Never a stack trace: unexpected errors print one line.
 */
import { parseArgs } from 'node:util';
import { ClientError } from './api/client';
import { findApp } from './cli/app-name';
import { connect } from './cli/connect';
import type { Command, Invocation, OptionSpec } from './cli/command';
import { CliError, UsageError } from './cli/errors';
import { appsCommands } from './cli/commands/apps';
import { configCommands } from './cli/commands/config';
import { localCommands } from './cli/commands/local';
import { logsCommands } from './cli/commands/logs';
import { psCommands } from './cli/commands/ps';
import { platformCommands } from './cli/commands/platform';
import { releaseCommands } from './cli/commands/releases';
import { gitCommands } from './cli/commands/git';
import { buildpacksCommands } from './cli/commands/buildpacks';
import { backupCommands } from './cli/commands/backup';
import { addonsCommands } from './cli/commands/addons';
import { pgCommands } from './cli/commands/pg';
import { redisCommands } from './cli/commands/redis';
import { VERSION } from './shared/version';

const COMMANDS: Command[] = [...platformCommands, ...appsCommands, ...releaseCommands, ...configCommands, ...psCommands, ...logsCommands, ...localCommands, ...gitCommands, ...buildpacksCommands, ...backupCommands, ...addonsCommands, ...pgCommands, ...redisCommands];
const COMMON: OptionSpec = {
  app: { type: 'string', short: 'a' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

function help(): string {
  const listed = COMMANDS.filter((c) => !c.hidden);
  const width = Math.max(...listed.map((c) => c.usage.length));
  return [
    `slipway ${VERSION}: a local Heroku`,
    '',
    'Usage: slipway COMMAND [ARGS] [-a APP] [--json]',
    '',
    ...listed.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    '',
    'The app: -a NAME, else $SLIPWAY_APP, else the git remote "slipway". State: $SLIPWAY_HOME (default ~/.slipway).',
  ].join('\n');
}

function writeError(json: boolean, code: string, message: string): void {
  if (json) process.stdout.write(JSON.stringify({ error: { code, message } }, null, 2) + '\n');
  else process.stderr.write(`slipway: ${message}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(help() + '\n');
    return 0;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const json = rest.includes('--json');
  const command = COMMANDS.find((c) => c.name === name);
  try {
    if (!command) throw new UsageError(`"${name}" is not a slipway command; see: slipway help`);
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: rest, options: { ...COMMON, ...command.options }, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message.replace(/ To specify a positional argument.*$/s, ''), command.usage);
    }
    if (parsed.values.help) {
      process.stdout.write(`Usage: slipway ${command.usage}\n  ${command.summary}\n`);
      return 0;
    }
    const [min, max] = command.args ?? [0, 0];
    if (parsed.positionals.length < min) throw new UsageError(`${name}: missing argument`, command.usage);
    if (parsed.positionals.length > max) throw new UsageError(`${name}: unexpected argument "${parsed.positionals[max]}"`, command.usage);
    const values = parsed.values as Invocation['values'];
    const inv: Invocation = {
      values,
      positionals: parsed.positionals,
      json,
      print(data, human) {
        if (json) process.stdout.write(JSON.stringify(data, null, 2) + '\n');
        else if (human !== undefined && human !== '') process.stdout.write(human + '\n');
      },
      progress(text) {
        process.stderr.write(text);
      },
      app: () => findApp(typeof values.app === 'string' ? values.app : undefined),
      client: async () => (await connect({ autoStart: true })).client,
    };
    return (await command.run(inv)) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) {
      writeError(json, 'usage', err.usage ? `${err.message}\nUsage: slipway ${err.usage}` : err.message);
      return 2;
    }
    if (err instanceof ClientError && err.code === 'platform_stopped') {
      // The client knows the request; the user knows the command they typed.
      writeError(json, err.code, `the Slipway platform stopped while running "slipway ${argv.join(' ')}"; start it with: slipway platform:start --detach`);
      return 1;
    }
    if (err instanceof CliError || err instanceof ClientError) {
      writeError(json, err.code, err.message);
      return 1;
    }
    writeError(json, 'internal', `unexpected error: ${(err as Error).message ?? String(err)}`);
    return 1;
  }
}

/** Runs the CLI on this process's arguments and sets the exit status (bin/slipway.js calls it). */
export function run(): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`slipway: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) run();
