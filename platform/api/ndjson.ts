/**
 * NDJSON as it arrives: bytes in, whole lines out. One decoder for every NDJSON stream of the
 * API (log tails, events, deploy output, a run's events on the client; a tty run's input on
 * the platform). A UTF-8 character split between chunks is kept whole; blank lines are skipped.
 */
export class NdjsonLines {
  private readonly decoder = new TextDecoder();
  private rest = '';

  /** The complete, non-blank lines that `chunk` finished (without their '\n'). */
  push(chunk: Uint8Array | string): string[] {
    const text = this.rest + (typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true }));
    const lines: string[] = [];
    let from = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', from)) >= 0) {
      const line = text.slice(from, nl);
      if (line.trim()) lines.push(line);
      from = nl + 1;
    }
    this.rest = from === 0 ? text : text.slice(from);
    return lines;
  }

  /** The last line if the stream ended without a '\n' after it. */
  end(): string[] {
    const last = this.rest + this.decoder.decode();
    this.rest = '';
    return last.trim() ? [last] : [];
  }

  /** Characters of an unfinished line held (a reader bounds a line's length with it). */
  get pending(): number {
    return this.rest.length;
  }
}
