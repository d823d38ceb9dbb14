import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { ZeblitError } from '../../contracts/index.ts';
import type { ArchiveEntry } from './types.ts';

const TYPES: Record<string, ArchiveEntry['type']> = { file: 'file', 'contiguous-file': 'file', directory: 'dir', symlink: 'symlink', link: 'link' };

/**
 * The members of a tar (optionally gzipped) file, one at a time: each entry's
 * `open()` is valid until the loop moves on; an entry not read is skipped.
 */
export async function* readTar(file: string, gzip: boolean): AsyncGenerator<ArchiveEntry> {
  const extract = tar.extract();
  const source = createReadStream(file);
  const feeding = gzip ? pipeline(source, createGunzip(), extract) : pipeline(source, extract);
  let failed: unknown;
  feeding.catch((e: unknown) => {
    failed = e;
  });
  try {
    for await (const entry of extract) {
      const h = entry.header;
      let opened: Readable | null = null;
      yield {
        name: h.name,
        type: TYPES[h.type ?? 'file'] ?? 'other',
        size: h.size ?? 0,
        mode: (h.mode ?? 0o644) & 0o7777,
        mtime: h.mtime,
        open: () => (opened = Readable.from(entry, { objectMode: false })),
      };
      const body = opened as Readable | null;
      if (!body) entry.resume();
      else if (!body.readableEnded && !body.destroyed) await new Promise<void>((resolve) => body.once('end', resolve).once('close', resolve).once('error', () => resolve()));
    }
    await feeding;
  } catch (e) {
    throw failed ?? new ZeblitError('VALIDATION_FAILED', `Not a readable tar archive: ${(e as Error).message}`);
  } finally {
    source.destroy();
  }
}
