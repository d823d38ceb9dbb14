import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import type { SafeWorkspace, WalkEntry as Walked } from '../safe-fs/index.ts';

/** A walk entry, and for folders the mode to give them (default 0755). */
type WalkEntry = Walked & { mode?: number };
import { TEMP_PREFIX } from '../safe-fs/index.ts';
import { baseName } from '../paths.ts';

/**
 * A folder as a tar.gz stream, built while it is sent: files are read one at
 * a time through the safe workspace (so memory stays bounded), links are
 * stored as links and never followed. Entries are named `<folder>/…`.
 */
export function packFolder(ws: SafeWorkspace, rel: string, opts: { gzip?: boolean } = {}): Readable {
  const top = rel === '' ? 'workspace' : baseName(rel);
  const entries: WalkEntry[] = [];
  ws.walk(rel, (e) => {
    if (e.name.startsWith(TEMP_PREFIX)) return false;
    entries.push(e);
    return true;
  });
  return packEntries(ws, entries, (e) => `${top}/${rel === '' ? e.rel : e.rel.slice(rel.length + 1)}`, `${top}/`, opts.gzip !== false);
}

/**
 * Named files of the workspace as a plain tar, names relative to the root
 * (pushes to a container). Their folders come first, as entries of their own:
 * a folder an extractor has to invent would belong to whoever extracts
 * (Docker: root), and the container's user could not write in it.
 */
export function packPaths(ws: SafeWorkspace, rels: string[]): Readable {
  const dirs = new Map<string, WalkEntry>();
  const files: WalkEntry[] = [];
  for (const rel of rels) {
    const st = ws.lstat(rel);
    if (!st?.isFile()) continue;
    for (let at = rel.indexOf('/'); at >= 0; at = rel.indexOf('/', at + 1)) {
      const dir = rel.slice(0, at);
      if (dirs.has(dir)) continue;
      const ds = ws.lstat(dir);
      if (ds?.isDirectory()) dirs.set(dir, { rel: dir, name: baseName(dir), type: 'dir', size: 0, mtimeMs: ds.mtimeMs, ctimeMs: ds.ctimeMs, depth: 1, mode: ds.mode & 0o7777 });
    }
    files.push({ rel, name: baseName(rel), type: 'file', size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, depth: 1 });
  }
  return packEntries(ws, [...dirs.values(), ...files], (e) => e.rel, null, false);
}

function packEntries(ws: SafeWorkspace, entries: WalkEntry[], nameOf: (e: WalkEntry) => string, topDir: string | null, gzip: boolean): Readable {
  const pack = tar.pack();
  const add = (header: Parameters<typeof pack.entry>[0], body?: Readable) =>
    new Promise<void>((resolve, reject) => {
      const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
      if (body) {
        body.on('error', (err) => sink.destroy(err));
        body.on('data', (chunk: Buffer) => {
          if (!sink.write(chunk)) body.pause();
        });
        sink.on('drain', () => body.resume());
        body.on('end', () => sink.end(undefined));
      } else sink.end(undefined);
    });
  const fill = async () => {
    if (topDir) await add({ name: topDir, type: 'directory', mode: 0o755 });
    for (const e of entries) {
      const mtime = new Date(e.mtimeMs);
      if (e.type === 'dir') await add({ name: `${nameOf(e)}/`, type: 'directory', mode: e.mode ?? 0o755, mtime });
      else if (e.type === 'symlink') await add({ name: nameOf(e), type: 'symlink', linkname: ws.readLink(e.rel), mtime });
      else if (e.type === 'file') {
        let f;
        try {
          f = ws.openRead(e.rel);
        } catch {
          continue; // gone, or replaced by a link, since the listing
        }
        const size = f.stat.size;
        const body = size === 0 ? undefined : createReadStream('', { fd: f.fd, start: 0, end: size - 1, autoClose: false });
        try {
          await add({ name: nameOf(e), type: 'file', size, mode: f.stat.mode & 0o7777, mtime }, body);
        } finally {
          f.close();
        }
      }
    }
    pack.finalize();
  };
  fill().catch((err: Error) => pack.destroy(err));
  const stream = Readable.from(pack, { objectMode: false });
  if (!gzip) return stream;
  const gz = createGzip();
  stream.on('error', (err) => gz.destroy(err));
  gz.on('close', () => stream.destroy()); // the client went away: stop reading files
  return stream.pipe(gz);
}
