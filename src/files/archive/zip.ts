/**
 * Zip archives from a file on disk, parsed by yauzl (central directory,
 * ZIP64, local headers, inflate, declared-size checks: long used and fuzzed
 * in production). Kept here, as defence in depth and because yauzl does not
 * do it: every member's bytes are counted against its declared size and its
 * CRC-32 checked as they pass (a zip bomb that lies about its size stops at
 * the lie); encrypted members and methods other than stored and deflate are
 * refused while listing, before anything is written. Names are handed to the
 * extractor raw (backslashes made slashes): it refuses absolute names and
 * `..` by the API's own path rules.
 */
import { closeSync, fstatSync, openSync, read } from 'node:fs';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { ZeblitError } from '../../contracts/index.ts';
import type { ArchiveEntry } from './types.ts';

const S_IFMT = 0o170000;
/** Entry data is streamed in chunks this large. */
const BLOCK = 64 * 1024;
/** Small reads (central directory records, local headers) read this much ahead. */
const AHEAD = 4 * 1024;

/**
 * The archive file for yauzl. Its own file reader reads each central
 * directory record in two small reads and entry data in 16 KiB chunks (Node
 * 20's default), which made many-member archives about twice as slow as the
 * hand-written reader (docs/benchmarks.md, "Parsers"): here small reads are
 * served from a 4 KiB read-ahead (about 60 directory records per read) and
 * data comes in 64 KiB chunks.
 */
class BlockReader extends yauzl.RandomAccessReader {
  private block: { at: number; data: Buffer } | null = null;

  constructor(private readonly fd: number) {
    super();
  }

  /** Positional reads of [start, end) that never close the shared fd (a destroyed fs.ReadStream closes its fd whatever autoClose says). */
  override _readStreamForRange(start: number, end: number): Readable {
    const fd = this.fd;
    let pos = start;
    return new Readable({
      highWaterMark: BLOCK,
      read() {
        const n = Math.min(BLOCK, end - pos);
        if (n <= 0) return void this.push(null);
        const buf = Buffer.allocUnsafe(n);
        read(fd, buf, 0, n, pos, (err, got) => {
          if (err) return void this.destroy(err);
          if (got === 0) return void this.destroy(new Error('unexpected end of file'));
          pos += got;
          this.push(buf.subarray(0, got));
        });
      },
    });
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    const b = this.block;
    if (b && position >= b.at && position + length <= b.at + b.data.length) {
      b.data.copy(buffer, offset, position - b.at, position - b.at + length);
      return callback(null);
    }
    if (length > AHEAD) {
      read(this.fd, buffer, offset, length, position, (err, n) => callback(err ?? (n < length ? new Error('unexpected EOF') : null)));
      return;
    }
    const data = Buffer.allocUnsafe(AHEAD);
    read(this.fd, data, 0, AHEAD, position, (err, n) => {
      if (err) return callback(err);
      if (n < length) return callback(new Error('unexpected EOF'));
      this.block = { at: position, data: data.subarray(0, n) };
      data.copy(buffer, offset, 0, length);
      callback(null);
    });
  }

  override close(callback: (err: Error | null) => void): void {
    try {
      closeSync(this.fd);
      callback(null);
    } catch (e) {
      callback(e as Error);
    }
  }
}

const bad = (why: string) => new ZeblitError('VALIDATION_FAILED', `Not a readable zip archive: ${why}`);

/** yauzl's errors describe the archive: the uploader's mistake, never ours. */
const asBad = (e: unknown): Error => (e instanceof ZeblitError ? e : bad(e instanceof Error ? e.message : String(e)));

/** An entry's bytes, counted and checked as they pass: never more than declared, and the CRC at the end. */
async function* checked(body: Readable, name: string, size: number, expectedCrc: number): AsyncGenerator<Buffer> {
  let n = 0;
  let crc = 0;
  try {
    for await (const chunk of body) {
      const b = chunk as Buffer;
      n += b.length;
      if (n > size) throw bad(`${name} inflates beyond its declared size`);
      crc = crc32(b, crc);
      yield b;
    }
  } catch (e) {
    throw asBad(e);
  } finally {
    body.destroy();
  }
  if (n !== size) throw bad(`${name} is shorter than declared`);
  if (crc >>> 0 !== expectedCrc >>> 0) throw bad(`${name} fails its CRC check`);
}

function typeOf(name: string, mode: number): ArchiveEntry['type'] {
  const fmt = mode & S_IFMT;
  if (name.endsWith('/') || fmt === 0o040000) return 'dir';
  if (fmt === 0o120000) return 'symlink';
  return fmt === 0 || fmt === 0o100000 ? 'file' : 'other';
}

export async function* readZip(file: string): AsyncGenerator<ArchiveEntry> {
  // Names undecoded: yauzl's own name check would refuse "../x" with a message of its own; ours names the member and the fix.
  const fd = openSync(file, 'r');
  const zip = await yauzl.fromRandomAccessReaderPromise(new BlockReader(fd), fstatSync(fd).size, { decodeStrings: false, validateEntrySizes: true, autoClose: false }).catch((e: unknown) => {
    closeSync(fd);
    throw asBad(e);
  });
  try {
    const entries = zip.eachEntry();
    for (;;) {
      const next = await entries.next().catch((e: unknown) => {
        throw asBad(e);
      });
      if (next.done) return;
      const e = next.value;
      const name = yauzl.getFileNameLowLevel(e.generalPurposeBitFlag, e.fileNameRaw, e.extraFields, false);
      // Unix permissions (and the file type) sit in the high half when made on Unix (3).
      const mode = e.versionMadeBy >> 8 === 3 ? e.externalFileAttributes >>> 16 : 0;
      const type = typeOf(name, mode);
      if (type === 'file' && e.isEncrypted()) throw bad(`${name} is encrypted`);
      if (type === 'file' && e.compressionMethod !== 0 && e.compressionMethod !== 8) throw bad(`${name} uses compression method ${e.compressionMethod} (only stored and deflate are read)`);
      yield {
        name,
        type,
        size: e.uncompressedSize,
        mode: mode & 0o7777,
        mtime: e.getLastModDate({ timezone: 'UTC' }),
        open: (): Readable =>
          Readable.from(
            (async function* () {
              const body = await zip.openReadStreamPromise(e).catch((err: unknown) => {
                throw asBad(err);
              });
              yield* checked(body, name, e.uncompressedSize, e.crc32);
            })(),
            { objectMode: false },
          ),
      };
    }
  } finally {
    zip.close();
  }
}
