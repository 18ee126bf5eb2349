/** The shape of one CLI command; cli.ts holds the table and the dispatch. */
import type { ParseArgsConfig } from 'node:util';
import type { SlipwayClient } from '../api/client';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Invocation {
  values: Values;
  positionals: string[];
  json: boolean;
  /** Prints the command's result: `json` with --json, else the human text (if any). */
  print(json: unknown, human?: string): void;
  /** Progress and build output: stderr, so stdout stays one JSON document with --json. */
  progress(text: string): void;
  app(): string;
  /** The typed client of the running platform, started in the background when none runs (CLI.md). */
  client(): Promise<SlipwayClient>;
}

export interface Command {
  name: string;
  usage: string;
  summary: string;
  options?: OptionSpec;
  /** Not listed in `slipway help` (programs run it, people do not). */
  hidden?: boolean;
  /** Extra positionals allowed (min, max). */
  args?: [number, number];
  run(inv: Invocation): Promise<number | void>;
}
