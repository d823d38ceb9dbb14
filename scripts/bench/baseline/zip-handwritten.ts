// The hand-written reader that yauzl (src/files/archive/zip.ts) replaced, kept unchanged
// (but for import paths) only as the baseline of scripts/bench/parsers.ts. Not used by Zeblit.
/**
 * A small reader of zip archives (stored and deflate, the two methods every
 * zip tool writes), from a file on disk: the central directory first, then
 * each entry's bytes on demand, inflated with zlib and checked against the
 * declared size and CRC-32. ZIP64 and encrypted entries are refused.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { createInflateRaw, crc32 } from 'node:zlib';
import { ZeblitError } from '../../../src/contracts/index.ts';
import type { ArchiveEntry } from '../../../src/files/archive/types.ts';

const EOCD = 0x06054b50;
const CDH = 0x02014b50;
const LFH = 0x04034b50;
const S_IFMT = 0o170000;

const bad = (why: string) => new ZeblitError('VALIDATION_FAILED', `Not a readable zip archive: ${why}`);

interface CentralEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressed: number;
  size: number;
  mode: number;
  offset: number;
  mtime: Date;
}

function readAt(fd: number, pos: number, len: number): Buffer {
  const buf = Buffer.alloc(len);
  let off = 0;
  while (off < len) {
    const n = readSync(fd, buf, off, len - off, pos + off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off);
}

function dosTime(date: number, time: number): Date {
  return new Date(Date.UTC(1980 + (date >> 9), ((date >> 5) & 15) - 1, date & 31, time >> 11, (time >> 5) & 63, (time & 31) * 2));
}

function centralDirectory(fd: number, fileSize: number): CentralEntry[] {
  const tailLen = Math.min(fileSize, 65_557);
  const tail = readAt(fd, fileSize - tailLen, tailLen);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) if (tail.readUInt32LE(i) === EOCD) { at = i; break; }
  if (at < 0) throw bad('no end of central directory');
  const count = tail.readUInt16LE(at + 10);
  const cdSize = tail.readUInt32LE(at + 12);
  const cdOffset = tail.readUInt32LE(at + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw bad('ZIP64 archives are not supported');
  const cd = readAt(fd, cdOffset, cdSize);
  const out: CentralEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CDH) throw bad('damaged central directory');
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    const madeBy = cd.readUInt16LE(p + 4) >> 8;
    const external = cd.readUInt32LE(p + 38);
    out.push({
      flags: cd.readUInt16LE(p + 8),
      method: cd.readUInt16LE(p + 10),
      mtime: dosTime(cd.readUInt16LE(p + 14), cd.readUInt16LE(p + 12)),
      crc: cd.readUInt32LE(p + 16),
      compressed: cd.readUInt32LE(p + 20),
      size: cd.readUInt32LE(p + 24),
      // Unix permissions (and the file type) sit in the high half when made on Unix (3).
      mode: madeBy === 3 ? external >>> 16 : 0,
      offset: cd.readUInt32LE(p + 42),
      name: cd.subarray(p + 46, p + 46 + nameLen).toString('utf8'),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** Counts and checks an entry's bytes as they pass: never more than declared, and the CRC at the end. */
function checked(e: CentralEntry): Transform {
  let n = 0;
  let crc = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      if (n > e.size) return cb(bad(`${e.name} inflates beyond its declared size`));
      crc = crc32(chunk, crc);
      cb(null, chunk);
    },
    flush(cb) {
      if (n !== e.size) return cb(bad(`${e.name} is shorter than declared`));
      if ((crc >>> 0) !== e.crc >>> 0) return cb(bad(`${e.name} fails its CRC check`));
      cb();
    },
  });
}

export function* readZip(file: string, fileSize: number): Generator<ArchiveEntry> {
  const fd = openSync(file, 'r');
  let entries: CentralEntry[];
  try {
    entries = centralDirectory(fd, fileSize);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  try {
    for (const e of entries) {
      const fmt = e.mode & S_IFMT;
      const type = e.name.endsWith('/') || fmt === 0o040000 ? 'dir' : fmt === 0o120000 ? 'symlink' : fmt === 0 || fmt === 0o100000 ? 'file' : 'other';
      if (type === 'file' && (e.flags & 1) !== 0) throw bad(`${e.name} is encrypted`);
      if (type === 'file' && e.method !== 0 && e.method !== 8) throw bad(`${e.name} uses compression method ${e.method} (only stored and deflate are read)`);
      yield {
        name: e.name,
        type,
        size: e.size,
        mode: e.mode & 0o7777,
        mtime: e.mtime,
        open: (): Readable => {
          const lfh = readAt(fd, e.offset, 30);
          if (lfh.length < 30 || lfh.readUInt32LE(0) !== LFH) throw bad(`damaged local header of ${e.name}`);
          const start = e.offset + 30 + lfh.readUInt16LE(26) + lfh.readUInt16LE(28);
          const raw = e.compressed === 0 ? Readable.from([]) : createReadStream(file, { start, end: start + e.compressed - 1 });
          const body = e.method === 8 ? raw.pipe(createInflateRaw()) : raw;
          raw.on('error', (err: Error) => body.destroy(err));
          return body.pipe(checked(e));
        },
      };
    }
  } finally {
    closeSync(fd);
  }
}
