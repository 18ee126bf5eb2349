/**
 * Tar headers of a slug. The common case, a short printable-ASCII name (and link target) and a
 * size below 8 GiB, is a plain ustar block written here from a template: measured, the `tar`
 * package's `Header` costs about 35 µs an entry (0.75 s of main-thread time for the 21,500
 * entries of the benchmark tree), this about 1 µs. Everything else (long or non-ASCII names,
 * huge files) is encoded by the `tar` package: `Header`, with a `Pax` extended header in front
 * when ustar cannot hold it.
 *
 * Layout (a decision, see README "Slugs"): every name starts with "./" like Heroku's slugs
 * (`./`, `./Procfile`, `./lib/`, `./lib/greeting.js`); directories are entries of their own
 * with a trailing "/"; links stay links. Nothing varies with the machine or the moment:
 * mtime is SLUG_MTIME for every entry, uid/gid 0, empty owner names, modes 0755 for
 * directories and for files with any execute bit, 0644 for other files, 0777 for links (what
 * GNU tar writes for a link; Linux ignores it).
 */
import { Header, Pax } from 'tar';
import type { TreeEntry } from './tree';

/** 1980-01-01T00:00:00Z, the conventional reproducible-build epoch (a DOS/zip-safe date) */
export const SLUG_MTIME = new Date(Date.UTC(1980, 0, 1));

type HeaderEntry = Pick<TreeEntry, 'path' | 'kind' | 'size' | 'mode' | 'target'>;

/** The root directory of a slug ("./"). */
export const ROOT_ENTRY: TreeEntry = { path: '', kind: 'dir', size: 0, mode: 0o755, mtimeMs: 0, ctimeMs: 0, ino: 0 };

export function tarName(e: Pick<TreeEntry, 'path' | 'kind'>): string {
  if (e.path === '') return './';
  return e.kind === 'dir' ? `./${e.path}/` : `./${e.path}`;
}

export function tarMode(e: Pick<TreeEntry, 'kind' | 'mode'>): number {
  if (e.kind === 'dir') return 0o755;
  if (e.kind === 'symlink') return 0o777;
  return e.mode & 0o111 ? 0o755 : 0o644;
}

/** Bytes of content that follow the header (files only). */
export const dataSize = (e: Pick<TreeEntry, 'kind' | 'size'>): number => (e.kind === 'file' ? e.size : 0);

/** Content plus the zero padding to the next 512-byte block. */
export const paddedDataSize = (e: Pick<TreeEntry, 'kind' | 'size'>): number => Math.ceil(dataSize(e) / 512) * 512;

const MAX_USTAR_SIZE = 0o77777777777;

/**
 * A ustar header with the fields every slug entry shares (uid/gid 0, SLUG_MTIME, no owner
 * names, the magic), and the checksum field as spaces, as the checksum is summed: the fields
 * written per entry are all zero here, so an entry's checksum is TEMPLATE_SUM plus their bytes.
 */
const TEMPLATE = ((): Buffer => {
  const b = Buffer.alloc(512);
  octal(b, 108, 8, 0); // uid
  octal(b, 116, 8, 0); // gid
  octal(b, 136, 12, SLUG_MTIME.getTime() / 1000);
  b.fill(0x20, 148, 156); // checksum
  ascii(b, 257, 'ustar\x0000'); // magic "ustar\0", version "00"
  octal(b, 329, 8, 0); // devmajor
  octal(b, 337, 8, 0); // devminor
  return b;
})();
const TEMPLATE_SUM = TEMPLATE.reduce((sum, byte) => sum + byte, 0);

/** `width - 1` zero-padded octal digits, then NUL (as GNU tar writes them); returns the bytes' sum. */
function octal(buf: Buffer, off: number, width: number, n: number): number {
  let sum = 0;
  buf[off + width - 1] = 0;
  for (let i = off + width - 2; i >= off; i--) {
    const digit = 0x30 + (n % 8);
    buf[i] = digit;
    sum += digit;
    n = Math.floor(n / 8);
  }
  return sum;
}

/** Writes printable ASCII byte by byte (cheaper than Buffer#write for short strings); returns the bytes' sum. */
function ascii(buf: Buffer, off: number, s: string): number {
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    buf[off + i] = c;
    sum += c;
  }
  return sum;
}

const TYPE_FLAG = { file: 0x30, dir: 0x35, symlink: 0x32 } as const;

/** Whether `s` is printable ASCII (a loop: cheaper than a regular expression on short strings). */
function isPlain(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** Bytes of `tarName(e)` (a plain name's length), without building it. */
const nameLength = (e: Pick<TreeEntry, 'path' | 'kind'>): number => (e.path === '' ? 2 : e.path.length + (e.kind === 'dir' ? 3 : 2));

/** Whether a plain ustar block holds `e` (short printable-ASCII name and target, size below 8 GiB). */
const isSimple = (e: HeaderEntry): boolean =>
  nameLength(e) < 100 && isPlain(e.path) && (e.target === undefined || (e.target.length < 100 && isPlain(e.target))) && dataSize(e) <= MAX_USTAR_SIZE;

/** Writes the header blocks of `e` at `buf[off]`; returns their length (see headerLength). */
export function writeHeader(e: HeaderEntry, buf: Buffer, off: number): number {
  if (!isSimple(e)) return encodeWithTar(e, tarName(e)).copy(buf, off);
  TEMPLATE.copy(buf, off);
  // the name, "./" + path (+ "/" for a directory), written in place: no string is built
  let sum = TEMPLATE_SUM + 0x2e + 0x2f;
  buf[off] = 0x2e;
  buf[off + 1] = 0x2f;
  sum += ascii(buf, off + 2, e.path);
  if (e.kind === 'dir' && e.path !== '') {
    buf[off + 2 + e.path.length] = 0x2f;
    sum += 0x2f;
  }
  sum += octal(buf, off + 100, 8, tarMode(e));
  sum += octal(buf, off + 124, 12, dataSize(e));
  buf[off + 156] = TYPE_FLAG[e.kind];
  sum += TYPE_FLAG[e.kind];
  if (e.target !== undefined) sum += ascii(buf, off + 157, e.target);
  octal(buf, off + 148, 7, sum); // six digits and NUL ...
  buf[off + 155] = 0x20; // ... then a space
  return 512;
}

/** The header blocks of an entry (512 bytes, or more with a pax header in front). */
export function encodeHeader(e: HeaderEntry): Buffer {
  if (!isSimple(e)) return encodeWithTar(e, tarName(e));
  const b = Buffer.alloc(512);
  writeHeader(e, b, 0);
  return b;
}

function encodeWithTar(e: HeaderEntry, name: string): Buffer {
  const size = dataSize(e);
  const header = new Header({
    path: name,
    mode: tarMode(e),
    uid: 0,
    gid: 0,
    size,
    mtime: SLUG_MTIME,
    type: e.kind === 'dir' ? 'Directory' : e.kind === 'symlink' ? 'SymbolicLink' : 'File',
    linkpath: e.target ?? '',
    uname: '',
    gname: '',
  });
  const block = Buffer.alloc(512);
  header.encode(block, 0);
  if (!header.needPax) return block;
  const pax = new Pax({ path: name, linkpath: e.target, size: size > MAX_USTAR_SIZE ? size : undefined, mtime: SLUG_MTIME });
  return Buffer.concat([pax.encode(), block]);
}

/** `encodeHeader(e).length`, without encoding in the common case (short ASCII names). */
export function headerLength(e: HeaderEntry): number {
  return isSimple(e) ? 512 : encodeWithTar(e, tarName(e)).length;
}

/** The end of a tar archive: two zero blocks. */
export const TAR_END = Buffer.alloc(1024);
