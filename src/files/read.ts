import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { FileContent, FileMeta } from '../contracts/index.ts';
import type { FilesCore } from './core.ts';
import { mimeOf } from './mime.ts';
import { baseName, normalizePath } from './paths.ts';
import { notFound } from './safe-fs/errors.ts';
import { readFd } from './safe-fs/index.ts';
import { isBinaryContent } from './mime.ts';

/** Metadata, and the content when asked and small enough for JSON (UTF-8 text, base64 otherwise). */
export async function readFile(core: FilesCore, projectId: string, path: string, withContent: boolean): Promise<FileContent> {
  const rel = normalizePath(path, { allowRoot: true });
  const found = core.ws(projectId).stat(rel);
  if (!found) throw notFound(rel);
  if (!found.stat.isFile()) return { ...core.entryMeta(projectId, found.rel, found.stat), content: null, encoding: null };
  const o = await core.observeAndRecord(projectId, rel, { wantContent: withContent });
  const meta = core.metaOf(o);
  if (!withContent || !o.content || o.content.byteLength > core.maxJsonContent) return { ...meta, content: null, encoding: null };
  return o.binary ? { ...meta, content: o.content.toString('base64'), encoding: 'base64' } : { ...meta, content: o.content.toString('utf8'), encoding: 'utf-8' };
}

export function statFile(core: FilesCore, projectId: string, path: string): Promise<FileMeta> {
  return readFile(core, projectId, path, false).then(({ content: _c, encoding: _e, ...meta }) => meta);
}

export interface RawFile {
  rel: string;
  size: number;
  mime: string;
  modified: number;
  /** Known without reading the file when the index is fresh. */
  sha256: string | null;
  version: number | null;
  stream: Readable;
}

/** The bytes as a stream (bounded memory, whatever the size); the descriptor closes when the stream ends or is destroyed. */
export function openRaw(core: FilesCore, projectId: string, path: string): RawFile {
  const rel = normalizePath(path);
  const f = core.ws(projectId).openRead(rel);
  try {
    const head = readFd(f.fd, Math.min(8192, f.stat.size));
    const idx = core.history.index(projectId, f.rel);
    const fresh = idx && idx.size === f.stat.size && idx.mtime_ms === f.stat.mtimeMs && idx.ctime_ms === f.stat.ctimeMs;
    const stream = createReadStream('', { fd: f.fd, start: 0, autoClose: true, highWaterMark: 256 * 1024 });
    return {
      rel: f.rel,
      size: f.stat.size,
      mime: mimeOf(baseName(f.rel), isBinaryContent(head, f.stat.size > 8192)),
      modified: f.stat.mtimeMs,
      sha256: fresh ? idx.sha256 : null,
      version: fresh ? idx.version : null,
      stream,
    };
  } catch (e) {
    f.close();
    throw e;
  }
}
