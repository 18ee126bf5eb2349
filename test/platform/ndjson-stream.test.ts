/**
 * ndjsonStream's backpressure contract over real HTTP: every write() that answers false is
 * followed by onDrain's callback once the reader catches up — whatever the sizes of the lines
 * and however the reader's pauses fall against the stream's deferred batch.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import Fastify from 'fastify';
import { ndjsonStream } from '../../platform/http/ndjson-stream';

void test('a source that waits for onDrain after every false gets all its lines to a reader that keeps pausing', { timeout: 20_000 }, async (t) => {
  const TOTAL = 60_000;
  let fulls = 0;
  const app = Fastify({ forceCloseConnections: true });
  app.get('/stream', (req, reply) =>
    ndjsonStream(req, reply, (out) => {
      let seq = 0;
      let stopped = false;
      // A deterministic spread of line sizes, so that "full" falls at every offset of a batch.
      const pump = () => {
        while (!stopped && seq < TOTAL) {
          seq++;
          if (!out.write({ seq, pad: 'x'.repeat((seq * 7919) % 3000) })) {
            fulls++;
            out.onDrain(pump);
            return;
          }
        }
      };
      setImmediate(pump);
      return () => (stopped = true);
    }),
  );
  t.after(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;

  const received = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/stream' }, (res) => {
      let rest = '';
      let last = 0;
      let chunks = 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const text of lines) {
          const { seq } = JSON.parse(text) as { seq: number };
          assert.equal(seq, last + 1);
          last = seq;
        }
        if (last === TOTAL) {
          req.destroy();
          resolve(last);
          return;
        }
        // Pause for one, two or three turns of the event loop, varying with the chunk.
        if (++chunks % 2 === 0) {
          res.pause();
          let turns = chunks % 3;
          const later = () => (turns-- > 0 ? setImmediate(later) : res.resume());
          setImmediate(later);
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(received, TOTAL);
  assert.ok(fulls > 0, 'the reader was behind at least once');
});
