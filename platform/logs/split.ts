/** Cutting text into pieces of at most MAX_MESSAGE_BYTES UTF-8 bytes without breaking a character. */
import { MAX_MESSAGE_BYTES } from '../shared/log-line';

const isContinuation = (b: number | undefined) => b !== undefined && (b & 0xc0) === 0x80;

/**
 * The largest cut position in (start, limit] that does not fall inside a UTF-8 character
 * (`limit` itself when the bytes there are not valid UTF-8 anyway).
 */
export function utf8Cut(buf: Buffer, start: number, limit: number): number {
  let p = limit;
  for (let i = 0; i < 3 && p > start + 1 && isContinuation(buf[p]); i++) p--;
  return isContinuation(buf[p]) ? limit : p;
}

/** Emits the bytes [start, end) of `buf` as strings of at most `max` bytes each (one, possibly empty, at least). */
export function emitPieces(buf: Buffer, start: number, end: number, emit: (piece: string) => void, max = MAX_MESSAGE_BYTES): void {
  while (end - start > max) {
    const cut = utf8Cut(buf, start, start + max);
    emit(buf.toString('utf8', start, cut));
    start = cut;
  }
  emit(buf.toString('utf8', start, end));
}

/**
 * A message as log lines: one trailing newline is dropped, embedded newlines (`\n` or
 * `\r\n`) separate lines, a trailing `\r` is stripped, and each line longer than
 * MAX_MESSAGE_BYTES becomes several.
 */
export function splitMessage(message: string, max = MAX_MESSAGE_BYTES): string[] {
  const text = message.endsWith('\n') ? message.slice(0, -1) : message;
  const out: string[] = [];
  for (let line of text.includes('\n') ? text.split('\n') : [text]) {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    // A UTF-16 code unit is at most 3 UTF-8 bytes: short strings need no encoding to check.
    if (line.length * 3 <= max || Buffer.byteLength(line) <= max) {
      out.push(line);
    } else {
      const buf = Buffer.from(line, 'utf8');
      emitPieces(buf, 0, buf.length, (piece) => out.push(piece), max);
    }
  }
  return out;
}
