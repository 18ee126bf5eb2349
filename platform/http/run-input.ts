/**
 * The request body of a `tty` run (schemas.ts RunInput): NDJSON lines of keystrokes and
 * resizes, read as they arrive. A line that is not valid RunInput is skipped; a line longer
 * than MAX_LINE ends the input (the command's stdin closes).
 */
import type { Readable } from 'node:stream';
import { NdjsonLines } from '../api/ndjson';
import type { RunInput } from '../api/schemas';

const MAX_LINE = 1024 * 1024;

const isSize = (n: unknown) => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 10000;

export function parseRunInput(line: string): RunInput | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (o.type === 'stdin' && typeof o.data === 'string') return { type: 'stdin', data: o.data };
  if (o.type === 'resize' && isSize(o.cols) && isSize(o.rows)) return { type: 'resize', cols: o.cols as number, rows: o.rows as number };
  return null;
}

/** Calls `onInput` for each line of `body`, then `onEnd` once (end of body, error or overlong line). */
export function readRunInput(body: Readable, onInput: (input: RunInput) => void, onEnd: () => void): void {
  const lines = new NdjsonLines();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    body.removeListener('data', onData);
    body.resume();
    onEnd();
  };
  const onData = (chunk: Buffer) => {
    for (const line of lines.push(chunk)) {
      const input = parseRunInput(line);
      if (input) onInput(input);
    }
    if (lines.pending > MAX_LINE) end();
  };
  body.on('data', onData);
  body.once('end', end);
  body.once('error', end);
  body.once('close', end);
}
