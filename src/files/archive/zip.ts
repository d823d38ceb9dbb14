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
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { ZeblitError } from '../../contracts/index.ts';
import type { ArchiveEntry } from './types.ts';

const S_IFMT = 0o170000;

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
  const zip = await yauzl.openPromise(file, { decodeStrings: false, validateEntrySizes: true, autoClose: false }).catch((e: unknown) => {
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
