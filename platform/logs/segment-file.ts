/**
 * Reading one NDJSON segment file: counting its complete lines, and reading its lines from
 * the end (the last N are cheap: only the file's tail is read).
 */
import { open, type FileHandle } from 'node:fs/promises';

const LF = 0x0a;
const CHUNK = 64 * 1024;

export const errorCode = (err: unknown): unknown => (err as NodeJS.ErrnoException | null)?.code;

async function openForRead(path: string): Promise<FileHandle | null> {
  try {
    return await open(path, 'r');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return null; // rotated away or removed meanwhile: no lines
    throw err;
  }
}

/** Complete lines (ending in `\n`) and the bytes they span; a torn last line is not counted. */
export async function countLines(path: string): Promise<{ lines: number; bytes: number }> {
  const fh = await openForRead(path);
  if (!fh) return { lines: 0, bytes: 0 };
  try {
    const buf = Buffer.allocUnsafe(1024 * 1024);
    let lines = 0;
    let bytes = 0;
    let pos = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      const view = buf.subarray(0, bytesRead);
      for (let i = view.indexOf(LF); i >= 0; i = view.indexOf(LF, i + 1)) {
        lines++;
        bytes = pos + i + 1;
      }
      pos += bytesRead;
    }
    return { lines, bytes };
  } finally {
    await fh.close();
  }
}

/**
 * The lines of `path` before byte `end`, newest first, a chunk's worth at a time. Empty
 * lines are left out. A missing file has no lines.
 */
export async function* linesBackward(path: string, end: number): AsyncGenerator<string[]> {
  if (end <= 0) return;
  const fh = await openForRead(path);
  if (!fh) return;
  try {
    let pos = end;
    let tail: Buffer | null = null; // the start of a line whose end was in the later chunk
    while (pos > 0) {
      const size = Math.min(CHUNK, pos);
      pos -= size;
      const chunk = Buffer.allocUnsafe(size);
      let got = 0;
      while (got < size) {
        const { bytesRead } = await fh.read(chunk, got, size - got, pos + got);
        if (bytesRead === 0) return; // the file shrank under us: what is left is gone
        got += bytesRead;
      }
      const data: Buffer = tail ? Buffer.concat([chunk, tail]) : chunk;
      const lines: string[] = [];
      let i = data.length;
      while (i > 0) {
        const nl = data.lastIndexOf(LF, i - 1);
        if (nl < 0) break;
        if (i - nl > 1) lines.push(data.toString('utf8', nl + 1, i));
        i = nl;
      }
      tail = i > 0 ? data.subarray(0, i) : null;
      if (pos === 0 && tail) lines.push(tail.toString('utf8'));
      if (lines.length > 0) yield lines;
    }
  } finally {
    await fh.close();
  }
}
