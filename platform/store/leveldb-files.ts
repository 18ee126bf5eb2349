/**
 * Readers of LevelDB's own file formats, enough to check a database's files before LevelDB opens
 * them (state-check.ts). LevelDB itself, with its default options (no paranoid checks, no
 * checksum verification on reads), silently drops a damaged or cut write-ahead log record and
 * reports a damaged table only as "Corruption: corrupted compressed block contents", naming no
 * file. These readers check every checksum and say which file and where.
 *
 * Formats (leveldb/doc/log_format.md, table_format.md):
 * - log (the WAL `NNNNNN.log` and `MANIFEST-NNNNNN`): 32 KiB blocks of records, each a 7-byte
 *   header (masked CRC-32C of type+payload, u16 length, u8 type: 1 full, 2 first, 3 middle,
 *   4 last) and its payload; fewer than 7 bytes left in a block are zero padding.
 * - table (`NNNNNN.ldb`): blocks each followed by a 5-byte trailer (u8 compression type,
 *   masked CRC-32C of block+type), a 48-byte footer (metaindex and index block handles, magic).
 *   The index block lists the data blocks' handles; it may be Snappy-compressed.
 */

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli), LevelDB's checksum. */
export function crc32c(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** LevelDB stores checksums "masked" (rotated and offset) so that a CRC of a CRC is not trivial. */
export function unmaskCrc(masked: number): number {
  const rot = (masked - 0xa282ead8) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}

export interface FileProblem {
  /** What is wrong, in words, with the byte offset. */
  problem: string;
}

const LOG_BLOCK = 32768;
const LOG_HEADER = 7;

export interface LogCheck {
  records: number;
  /**
   * The file ends inside a record: what a process killed in the middle of a write leaves
   * (that write was never acknowledged), or what cutting the file leaves.
   */
  partialTail: boolean;
  /** Damage that no crash leaves (a checksum mismatch, an impossible length or type). */
  damage: FileProblem | null;
}

/** Reads a LevelDB log file record by record and checks every checksum. */
export function checkLogFile(data: Buffer): LogCheck {
  let records = 0;
  let off = 0;
  let inFragmented = false;
  while (off < data.length) {
    const left = LOG_BLOCK - (off % LOG_BLOCK);
    if (left < LOG_HEADER) {
      // block trailer: zero padding
      const end = Math.min(off + left, data.length);
      if (data.subarray(off, end).some((b) => b !== 0)) return { records, partialTail: false, damage: { problem: `non-zero block padding at byte ${off}` } };
      off = end;
      continue;
    }
    if (data.length - off < LOG_HEADER) return tail(records, data, off, left);
    const length = data.readUInt16LE(off + 4);
    const type = data[off + 6];
    if (type === 0 && length === 0 && data.readUInt32LE(off) === 0) {
      // preallocated zeros: the rest of the block is empty (LevelDB skips it too)
      if (data.subarray(off, Math.min(off + left, data.length)).some((b) => b !== 0)) return { records, partialTail: false, damage: { problem: `a zeroed record header followed by data at byte ${off}` } };
      off += left;
      continue;
    }
    if (type < 1 || type > 4) return { records, partialTail: false, damage: { problem: `record of unknown type ${type} at byte ${off}` } };
    if (LOG_HEADER + length > left) return { records, partialTail: false, damage: { problem: `record at byte ${off} claims ${length} bytes, more than its block holds` } };
    if (off + LOG_HEADER + length > data.length) return tail(records, data, off, left);
    const payload = data.subarray(off + 6, off + LOG_HEADER + length); // type byte + payload
    if (crc32c(payload) !== unmaskCrc(data.readUInt32LE(off))) return { records, partialTail: false, damage: { problem: `checksum mismatch in the record at byte ${off}` } };
    if ((type === 3 || type === 4) && !inFragmented) return { records, partialTail: false, damage: { problem: `a record fragment without its start at byte ${off}` } };
    if ((type === 1 || type === 2) && inFragmented) return { records, partialTail: false, damage: { problem: `a record that never ended, before byte ${off}` } };
    inFragmented = type === 2 || type === 3;
    if (type === 1 || type === 4) records++;
    off += LOG_HEADER + length;
  }
  return { records, partialTail: inFragmented, damage: null };
}

/** The file ends within a record header or payload at `off` (`left`: bytes to the block's end). */
function tail(records: number, data: Buffer, off: number, left: number): LogCheck {
  const rest = data.subarray(off);
  // What a killed writer leaves starts as a real header: a known type and a length that fits
  // its block. Anything else at the end is garbage, not a cut write.
  if (rest.length >= LOG_HEADER) {
    const length = rest.readUInt16LE(4);
    const type = rest[6];
    if (type < 1 || type > 4 || LOG_HEADER + length > left) return { records, partialTail: false, damage: { problem: `garbage at the end of the file (byte ${off})` } };
  }
  return { records, partialTail: true, damage: null };
}

// ---- tables ----

const TABLE_MAGIC = Buffer.from([0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]);
const FOOTER = 48;

class Cursor {
  constructor(
    readonly buf: Uint8Array,
    public off = 0,
  ) {}

  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.off >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.off++];
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    throw new Error('overlong varint');
  }
}

interface Handle {
  offset: number;
  size: number;
}

/** Snappy's raw format (what LevelDB compresses blocks with), decoded; throws on any inconsistency. */
export function snappyDecompress(src: Uint8Array): Buffer {
  const c = new Cursor(src);
  const length = c.varint();
  if (length > 64 * 1024 * 1024) throw new Error('implausible uncompressed length');
  const out = Buffer.alloc(length);
  let o = 0;
  while (c.off < src.length) {
    const tag = src[c.off++];
    let len: number;
    let offset: number;
    switch (tag & 3) {
      case 0: {
        len = tag >>> 2;
        if (len >= 60) {
          const bytes = len - 59;
          len = 0;
          for (let i = 0; i < bytes; i++) len |= src[c.off++] << (8 * i);
          len >>>= 0;
        }
        len += 1;
        if (c.off + len > src.length || o + len > length) throw new Error('literal runs past the end');
        out.set(src.subarray(c.off, c.off + len), o);
        c.off += len;
        o += len;
        continue;
      }
      case 1:
        len = ((tag >>> 2) & 7) + 4;
        offset = ((tag >>> 5) << 8) | src[c.off++];
        break;
      case 2:
        len = (tag >>> 2) + 1;
        offset = src[c.off] | (src[c.off + 1] << 8);
        c.off += 2;
        break;
      default:
        len = (tag >>> 2) + 1;
        offset = (src[c.off] | (src[c.off + 1] << 8) | (src[c.off + 2] << 16) | (src[c.off + 3] << 24)) >>> 0;
        c.off += 4;
    }
    if (c.off > src.length || offset === 0 || offset > o || o + len > length) throw new Error('copy out of range');
    for (let i = 0; i < len; i++, o++) out[o] = out[o - offset];
  }
  if (o !== length) throw new Error('shorter than announced');
  return out;
}

/** A block's contents after checking its trailer's checksum (and decompressing, when `decode`). */
function readBlock(file: Buffer, h: Handle, what: string, decode: boolean): Buffer {
  if (h.offset + h.size + 5 > file.length - FOOTER) throw new Error(`${what} at byte ${h.offset} runs past the end of the file`);
  const contents = file.subarray(h.offset, h.offset + h.size);
  const type = file[h.offset + h.size];
  const expected = unmaskCrc(file.readUInt32LE(h.offset + h.size + 1));
  if (crc32c(Buffer.from([type]), crc32c(contents)) !== expected) throw new Error(`checksum mismatch in the ${what} at byte ${h.offset}`);
  if (!decode) return contents;
  if (type === 0) return contents;
  if (type === 1) {
    try {
      return snappyDecompress(contents);
    } catch (err) {
      throw new Error(`the ${what} at byte ${h.offset} does not decompress (${(err as Error).message})`);
    }
  }
  throw new Error(`the ${what} at byte ${h.offset} has unknown compression ${type}`);
}

/** The values (block handles) of a table block's entries. */
function blockHandles(block: Buffer, what: string): Handle[] {
  if (block.length < 4) throw new Error(`the ${what} is too short`);
  const restarts = block.readUInt32LE(block.length - 4);
  const end = block.length - 4 - 4 * restarts;
  if (end < 0) throw new Error(`the ${what} has an impossible restart count`);
  const c = new Cursor(block.subarray(0, end));
  const handles: Handle[] = [];
  while (c.off < end) {
    c.varint(); // shared key bytes
    const unshared = c.varint();
    const valueLength = c.varint();
    c.off += unshared;
    const value = new Cursor(block.subarray(c.off, c.off + valueLength));
    c.off += valueLength;
    if (c.off > end) throw new Error(`an entry of the ${what} runs past its end`);
    handles.push({ offset: value.varint(), size: value.varint() });
  }
  return handles;
}

/** Checks a table file's footer and the checksum of every block; null when whole. */
export function checkTableFile(file: Buffer): FileProblem | null {
  try {
    if (file.length < FOOTER) throw new Error(`only ${file.length} bytes: a table ends with a ${FOOTER}-byte footer`);
    if (!file.subarray(file.length - 8).equals(TABLE_MAGIC)) throw new Error('the footer is not a table footer (the file is cut or overwritten at its end)');
    const footer = new Cursor(file.subarray(file.length - FOOTER, file.length - 8));
    const meta = { offset: footer.varint(), size: footer.varint() };
    const index = { offset: footer.varint(), size: footer.varint() };
    const indexBlock = readBlock(file, index, 'index block', true);
    for (const h of blockHandles(indexBlock, 'index block')) readBlock(file, h, 'data block', false);
    const metaBlock = readBlock(file, meta, 'metaindex block', true);
    for (const h of blockHandles(metaBlock, 'metaindex block')) readBlock(file, h, 'filter block', false);
    return null;
  } catch (err) {
    return { problem: (err as Error).message };
  }
}
