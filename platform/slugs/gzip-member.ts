/**
 * One gzip member of a slug, compressed on the libuv threadpool (node's zlib, async), so
 * members compress in parallel while the event loop keeps reading files.
 *
 * Level 5, a decision (README "Slugs"): a cold build is CPU-bound and deflate is most of its
 * CPU. Measured on this machine, compressing whole chunks: on the benchmark tree's text, level 5
 * takes 0.41× the CPU of level 6 (gzip's default, what `tar -czf` and Heroku write) for 2.9%
 * more bytes; on a real node_modules (262 MB, 21,000 files) 0.75× the CPU for 1.1% more bytes.
 * Level 4 would take 0.28× / 0.61× for 5.3% / 4.3% more: the bytes start to show there.
 * Content that is compressed already (images, video, fonts, archives) is stored instead
 * (level 0): deflate spends about as long on it at any level (measured: 33-40 ms a MiB here)
 * and gains nothing. The test is cheap and depends on the bytes only, so members stay
 * deterministic.
 *
 * The header's OS byte is set to 3 (Unix) whatever zlib was built for, so a slug's bytes do
 * not depend on the machine's OS.
 */
import { deflateRawSync, gzip } from 'node:zlib';

export const GZIP_LEVEL = 5;
/** Bumped whenever the bytes of a member for the same input change (part of chunk cache keys). */
export const MEMBER_FORMAT = `gzip level ${GZIP_LEVEL}, stored when incompressible v1`;

const OS_BYTE = 9;
const UNIX = 3;

/**
 * zlib hands output back in `chunkSize` pieces, one threadpool round trip each, and every trip
 * waits for the (busy) main thread: an output buffer larger than the worst case makes it one
 * trip a member.
 */
const chunkSizeFor = (n: number): number => Math.max(64 * 1024, n + (n >> 7) + 1024);

export function gzipMember(data: Buffer): Promise<Buffer> {
  const level = looksIncompressible(data) ? 0 : GZIP_LEVEL;
  return new Promise((resolve, reject) => {
    gzip(data, { level, chunkSize: chunkSizeFor(data.length) }, (err, out) => {
      if (err) {
        reject(err);
        return;
      }
      out[OS_BYTE] = UNIX;
      resolve(out);
    });
  });
}

const SAMPLE = 16 * 1024;
const HISTOGRAM = new Uint32Array(256);

/**
 * Already-compressed data: three samples with a byte entropy of 7.9 bits or more, and
 * deflate (level 1) saves under 2% on one of them. Small inputs are never judged.
 */
export function looksIncompressible(data: Buffer): boolean {
  if (data.length < 8 * SAMPLE) return false;
  const middle = (data.length - SAMPLE) >> 1;
  // past the start, where a tar header sits
  for (const at of [2048, middle, data.length - SAMPLE]) {
    if (entropy(data, at, SAMPLE) < 7.9) return false;
  }
  return deflateRawSync(data.subarray(middle, middle + SAMPLE), { level: 1 }).length >= 0.98 * SAMPLE;
}

function entropy(data: Buffer, at: number, n: number): number {
  HISTOGRAM.fill(0);
  for (let i = at; i < at + n; i++) HISTOGRAM[data[i]]++;
  let bits = 0;
  for (const count of HISTOGRAM) {
    if (count === 0) continue;
    const p = count / n;
    bits -= p * Math.log2(p);
  }
  return bits;
}
