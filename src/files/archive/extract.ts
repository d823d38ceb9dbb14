/**
 * Unpacking an uploaded archive into the workspace. Invariants: every member
 * name is checked by the same rules as an API path BEFORE anything is
 * written (an absolute name or a `..` anywhere refuses the whole archive:
 * zip-slip); links, hard links and devices are never created (so a
 * "symlink, then a file through it" archive cannot reach outside), and each
 * file is written through the safe workspace, which refuses a folder that is
 * a link leading outside. Sizes and counts are capped against archive bombs.
 */
import { ZeblitError, type FileMeta } from '../../contracts/index.ts';
import type { FilesCore } from '../core.ts';
import { joinRel, normalizePath, parentOf } from '../paths.ts';
import type { Change, ChangeContext } from '../recorder.ts';
import { readTar } from './tar.ts';
import type { ArchiveEntry, ArchiveFormat } from './types.ts';
import { readZip } from './zip.ts';
import { isBinaryContent } from '../mime.ts';

export interface ExtractLimits {
  maxEntries: number;
  maxBytes: number;
}

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = { maxEntries: 100_000, maxBytes: 4 * 1024 * 1024 * 1024 };

function entries(file: string, format: ArchiveFormat): AsyncIterable<ArchiveEntry> {
  return format === 'zip' ? readZip(file) : readTar(file, format === 'tar.gz');
}

/** The member's path inside the workspace, or a refusal naming the member. */
function memberPath(target: string, name: string): string {
  const cleaned = name.replace(/^(\.\/)+/, '');
  if (cleaned === '' || cleaned === '.') return target;
  if (cleaned.startsWith('/') || /^[A-Za-z]:/.test(cleaned) || cleaned.split('/').includes('..'))
    throw new ZeblitError('INVALID_PATH', `The archive member "${name}" would land outside the target folder; nothing was extracted`, {
      suggestion: 'Make the archive with relative names (tar -C dir -czf out.tgz .).',
    });
  try {
    return normalizePath(joinRel(target, cleaned.replace(/\/+$/, '')));
  } catch (e) {
    if (e instanceof ZeblitError) throw new ZeblitError('INVALID_PATH', `The archive member "${name}" has an invalid name: ${e.message}; nothing was extracted`);
    throw e;
  }
}

export interface ExtractResult {
  files: FileMeta[];
  skipped: { name: string; reason: string }[];
}

export async function extractArchive(
  core: FilesCore,
  projectId: string,
  file: string,
  format: ArchiveFormat,
  target: string,
  opts: ChangeContext & { overwrite: boolean; limits?: ExtractLimits },
): Promise<ExtractResult> {
  const limits = opts.limits ?? DEFAULT_EXTRACT_LIMITS;
  const ws = core.ws(projectId);
  const skipped: ExtractResult['skipped'] = [];
  // Pass 1: names, types and sizes only.
  const planned = new Map<string, ArchiveEntry['type']>();
  let count = 0;
  let bytes = 0;
  for await (const e of entries(file, format)) {
    const rel = memberPath(target, e.name);
    if (++count > limits.maxEntries) throw new ZeblitError('PAYLOAD_TOO_LARGE', `The archive has more than ${limits.maxEntries} members`);
    if (e.type === 'file') {
      bytes += e.size;
      if (bytes > limits.maxBytes) throw new ZeblitError('PAYLOAD_TOO_LARGE', `The archive unpacks to more than ${limits.maxBytes} bytes`);
      planned.set(rel, 'file');
    } else if (e.type === 'dir') {
      if (!planned.has(rel)) planned.set(rel, 'dir');
    } else skipped.push({ name: e.name, reason: e.type === 'symlink' || e.type === 'link' ? 'links are not extracted' : 'special files are not extracted' });
  }
  for (const [rel, type] of planned) {
    if (type !== 'file') continue;
    // Throws INVALID_PATH for a folder that is a link leading outside, before anything is written.
    const parent = parentOf(rel);
    const p = ws.stat(parent);
    if (p && !p.stat.isDirectory()) throw new ZeblitError('INVALID_PATH', `The archive member ${rel} needs ${parent} to be a folder, but it is a file`);
    if (!opts.overwrite && ws.lstat(rel)) throw new ZeblitError('CONFLICT', `${rel} already exists; nothing was extracted`, { suggestion: 'Upload with overwrite=1 to replace files.' });
  }

  // Pass 2: write, under the project's lock, recording in batches.
  return core.exclusive(projectId, async () => {
    const files: FileMeta[] = [];
    const ignores = core.ignores(projectId);
    let batch: Change[] = [];
    let held = 0;
    const flush = () => {
      if (batch.length > 0) core.record(projectId, batch, opts);
      batch = [];
      held = 0;
    };
    if (target !== '') ws.mkdir(target);
    for await (const e of entries(file, format)) {
      const rel = memberPath(target, e.name);
      if (e.type === 'dir') ws.mkdir(rel);
      if (e.type !== 'file') continue;
      const existed = ws.lstat(rel) !== null;
      const staged = ws.stage(rel, core.maxVersioned);
      try {
        await staged.pipeFrom(e.open(), e.size);
      } catch (err) {
        staged.abort();
        throw err;
      }
      const r = staged.result();
      const stat = staged.commit();
      const ignored = ignores.ignores(staged.target.rel);
      batch.push({ kind: 'write', path: staged.target.rel, stat, sha256: r.sha256, size: r.size, content: r.content, ignored, existed, origin: 'extracted' });
      held += r.content?.byteLength ?? 0;
      const binary = r.content ? isBinaryContent(r.content) : isBinaryContent(r.head, true);
      files.push(core.metaOf({ rel: staged.target.rel, stat, sha256: r.sha256, version: null, ignored, content: null, binary, fresh: true }));
      if (batch.length >= 500 || held > 32 * 1024 * 1024) flush();
    }
    flush();
    for (const f of files) f.version = f.ignored ? null : (core.history.index(projectId, f.path)?.version ?? null);
    return { files, skipped };
  });
}
