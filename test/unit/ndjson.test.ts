/** NdjsonLines: whole lines out of chunks cut anywhere, the one NDJSON decoder of the API. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NdjsonLines } from '../../platform/api/ndjson';

void test('lines split across chunks, inside a UTF-8 character, come out whole; blank lines are skipped', () => {
  const text = '{"a":"é€"}\n\n  \n{"b":2}\n{"c":3}';
  const bytes = Buffer.from(text);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const d = new NdjsonLines();
    const lines = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut)), ...d.end()];
    assert.deepEqual(lines, ['{"a":"é€"}', '{"b":2}', '{"c":3}'], `cut at ${cut}`);
  }
});

void test('pending counts the unfinished line, so a reader can bound it', () => {
  const d = new NdjsonLines();
  assert.deepEqual(d.push('{"x":1}\n{"y"'), ['{"x":1}']);
  assert.equal(d.pending, 4);
  assert.deepEqual(d.push(':2}\n'), ['{"y":2}']);
  assert.equal(d.pending, 0);
  assert.deepEqual(d.end(), []);
});
