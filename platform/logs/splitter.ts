/**
 * Splits a child process's byte stream (a dyno's stdout or stderr) into log lines.
 */
import { MAX_MESSAGE_BYTES } from '../shared/log-line';
import { emitPieces, utf8Cut } from './split';

const EMPTY = Buffer.alloc(0);
const LF = 0x0a;
const CR = 0x0d;

/**
 * Lines end at `\n` or `\r\n` (the `\r` is dropped). Chunks may end anywhere, inside a line
 * or inside a multi-byte UTF-8 character: bytes are only decoded once a line, or a piece of
 * one, is complete. A line longer than MAX_MESSAGE_BYTES is emitted as several lines, cut at
 * character boundaries; the splitter never holds more than about MAX_MESSAGE_BYTES of an
 * unfinished line. `end()` emits an unterminated last line.
 */
export class LineSplitter {
  private rest: Buffer = EMPTY;

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const data = this.rest.length > 0 ? Buffer.concat([this.rest, chunk]) : chunk;
    let start = 0;
    for (;;) {
      const nl = data.indexOf(LF, start);
      if (nl < 0) break;
      const end = nl > start && data[nl - 1] === CR ? nl - 1 : nl;
      emitPieces(data, start, end, this.onLine);
      start = nl + 1;
    }
    // An unfinished line: emit what cannot change any more. More than MAX + 1 bytes means the
    // line (less a possible final `\r`) is surely longer than MAX, so its first piece is known.
    while (data.length - start > MAX_MESSAGE_BYTES + 1) {
      const cut = utf8Cut(data, start, start + MAX_MESSAGE_BYTES);
      this.onLine(data.toString('utf8', start, cut));
      start = cut;
    }
    // Copy, so that a small remainder does not keep a large chunk alive.
    this.rest = start === data.length ? EMPTY : Buffer.from(data.subarray(start));
  }

  /** The stream ended: emits the unterminated last line, if any. */
  end(): void {
    const data = this.rest;
    this.rest = EMPTY;
    if (data.length === 0) return;
    emitPieces(data, 0, data[data.length - 1] === CR ? data.length - 1 : data.length, this.onLine);
  }
}
