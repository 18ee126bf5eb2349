/**
 * An NDJSON response that stays open (GET /apps/:app/logs?tail=true, GET /events), with the
 * backpressure a slow reader needs: `write` says when the reader is behind and `onDrain`
 * when it caught up, like a stream's write() and 'drain' (the log store's followers use both,
 * logs/follower.ts).
 */
import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** What a source writes to; `write` returning false means: wait for `onDrain` before writing again. */
export interface NdjsonOut {
  write(v: unknown): boolean;
  onDrain(cb: () => void): void;
}

const BUFFER_BYTES = 256 * 1024;
/** A batch this large goes out at once rather than at the end of the event loop's turn. */
const BATCH_BYTES = 64 * 1024;

/**
 * `start(out)` wires the source and returns its unsubscribe; the response ends when the client
 * goes away.
 */
export function ndjsonStream(req: FastifyRequest, reply: FastifyReply, start: (out: NdjsonOut) => () => void) {
  const out = new PassThrough({ highWaterMark: BUFFER_BYTES });
  // Lines that arrive in one turn of the event loop go out as one chunk: a chunk (and a write)
  // per line cost more CPU than the lines themselves at 10,000 lines a second.
  let batch = '';
  let scheduled = false;
  /** Writes the batch; false when the PassThrough refused it (it then emits 'drain', and only then). */
  const flush = (): boolean => {
    scheduled = false;
    const text = batch;
    batch = '';
    if (!text || out.writableEnded) return true;
    return out.write(text);
  };
  const stop = start({
    write: (v) => {
      batch += JSON.stringify(v) + '\n';
      // "Full" is only ever the answer of a write the PassThrough refused: 'drain' follows such a
      // write and no other. (Reporting full from buffered bytes plus a batch not yet written left
      // a reader waiting for good whenever the deferred write then fitted: no 'drain' came.)
      if (batch.length >= BATCH_BYTES || out.writableLength + batch.length >= out.writableHighWaterMark) return flush();
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      return true;
    },
    onDrain: (cb) => out.once('drain', cb),
  });
  req.raw.once('close', () => {
    stop();
    flush();
    out.end();
  });
  return reply.code(200).type('application/x-ndjson').header('cache-control', 'no-cache').send(out);
}
