import { posix } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { ArchiveEntryInfo } from '../engine.ts';

/** Decodes the X-Docker-Container-Path-Stat header of a HEAD /archive answer. */
export function parsePathStat(header: string | string[] | undefined): ArchiveEntryInfo | null {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw) return null;
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) as Partial<ArchiveEntryInfo>;
    return { name: String(v.name ?? ''), size: Number(v.size ?? 0), mode: Number(v.mode ?? 0), mtime: String(v.mtime ?? ''), linkTarget: String(v.linkTarget ?? '') };
  } catch {
    return null;
  }
}

/** The folders between an existing ancestor and the target: /a/b/c over /a gives ['b', 'b/c']. */
export function missingSegments(existing: string, target: string): string[] {
  const rel = posix.relative(existing, target);
  if (!rel || rel.startsWith('..')) return [];
  const parts = rel.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

/**
 * Re-roots a tar archive under `prefix` (adding its folders first), so it can
 * be extracted into an ancestor that exists: Docker's putArchive refuses a
 * target folder that does not.
 */
export function prefixArchive(input: Buffer | Readable, folders: string[], owner: { uid: number; gid: number }): Readable {
  const prefix = folders[folders.length - 1] ?? '';
  const pack = tar.pack();
  const extract = tar.extract();
  const out = new PassThrough();
  pack.pipe(out);
  for (const f of folders) pack.entry({ name: `${f}/`, type: 'directory', mode: 0o755, uid: owner.uid, gid: owner.gid });
  extract.on('entry', (header, stream, next) => {
    const name = posix.join(prefix, header.name);
    const entry = pack.entry({ ...header, name }, (err) => next(err ?? undefined));
    stream.pipe(entry);
  });
  extract.on('finish', () => pack.finalize());
  const source = Buffer.isBuffer(input) ? Readable.from([input]) : input;
  pipeline(source, extract).catch((err: Error) => out.destroy(err));
  return out;
}
