import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * An NDJSON response that stays open: `start(write)` wires the source and returns its
 * unsubscribe; the response ends when the client goes away. `write` returns false when the
 * client is behind, and `onDrain` tells when it caught up (the log store uses both).
 */
export function ndjsonStream(req: FastifyRequest, reply: FastifyReply, start: (out: { write(v: unknown): boolean; onDrain(cb: () => void): void }) => () => void) {
  const out = new PassThrough({ highWaterMark: 256 * 1024 });
  // Lines that arrive in one turn of the event loop go out as one chunk: a chunk (and a write)
  // per line cost more CPU than the lines themselves at 10,000 lines a second.
  let batch = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (batch && !out.writableEnded) out.write(batch);
    batch = '';
  };
  const stop = start({
    write: (v) => {
      batch += JSON.stringify(v) + '\n';
      if (batch.length >= 64 * 1024) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      return out.writableLength + batch.length < out.writableHighWaterMark;
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
