/**
 * Writing a backup archive (the format: src/contracts/backup.ts). Invariant:
 * a backup file exists under its name only once it is complete: it is
 * written as `<name>.partial` and renamed at the end, and removed when
 * anything fails. The database is copied with SQLite's online backup API, so
 * it is one point in time even while the daemon writes; every other file is
 * read once, hashed as it is written, and its sha256 lands in the manifest.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, createWriteStream, fstatSync, mkdirSync, openSync, read, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  ZeblitError,
  type BackupFile,
  type BackupHeader,
  type BackupKind,
  type BackupManifest,
} from '../contracts/index.ts';
import { defaultMigrationsFolder, schemaState, snapshotDatabase, type OpenedDatabase } from '../db/index.ts';
import { walkHome } from './walk.ts';

const readAsync = promisify(read);
const CHUNK = 256 * 1024;

export interface WriteOptions {
  home: string;
  /** The daemon's open database, or the database file of a stopped home. */
  database: OpenedDatabase | string;
  kind: BackupKind;
  reason: string;
  dest: string;
  version: string;
  now?: () => number;
  migrationsFolder?: string;
}

export interface Written {
  file: string;
  bytes: number;
  sha256: string;
  manifest: BackupManifest;
  /** What could not be read (and so is not in the backup). */
  problems: { path: string; reason: string }[];
}

type Pack = ReturnType<typeof tar.pack>;

/** Adds one entry; a body is written chunk by chunk with backpressure. */
function add(pack: Pack, header: Parameters<Pack['entry']>[0], body?: AsyncIterable<Buffer> | Buffer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (Buffer.isBuffer(body)) return void pack.entry({ ...header, size: body.length }, body, (err) => (err ? reject(err) : resolve()));
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    if (!body) return void sink.end(undefined);
    (async () => {
      for await (const chunk of body) if (!sink.write(chunk)) await new Promise<void>((r) => sink.once('drain', () => r()));
      sink.end(undefined);
    })().catch((err: unknown) => {
      sink.destroy(err as Error);
      reject(err as Error);
    });
  });
}

/** A file's bytes at the size it had when opened, hashed as they pass; a file that shrinks meanwhile fails the backup. */
async function* fileBytes(fd: number, size: number, rel: string, hash: ReturnType<typeof createHash>): AsyncGenerator<Buffer> {
  let pos = 0;
  while (pos < size) {
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, size - pos));
    const { bytesRead } = await readAsync(fd, buf, 0, buf.length, pos);
    if (bytesRead === 0) throw new ZeblitError('CONFLICT', `${rel} shrank while it was being backed up`, { suggestion: 'Run the backup again (or when nothing writes to the workspace).' });
    const chunk = buf.subarray(0, bytesRead);
    hash.update(chunk);
    pos += bytesRead;
    yield chunk;
  }
}

export async function writeBackup(opts: WriteOptions): Promise<Written> {
  const now = opts.now ?? Date.now;
  mkdirSync(dirname(opts.dest), { recursive: true, mode: 0o700 });
  const snap = join(dirname(opts.dest), `.snapshot-${randomBytes(6).toString('hex')}.db`);
  const partial = `${opts.dest}.partial`;
  const problems: Written['problems'] = [];
  try {
    await snapshotDatabase(typeof opts.database === 'string' ? opts.database : opts.database.sqlite, snap);
    const state = schemaState(snap, opts.migrationsFolder ?? defaultMigrationsFolder());
    const header: BackupHeader = { format: BACKUP_FORMAT, format_version: BACKUP_FORMAT_VERSION, kind: opts.kind, created_at: now(), zeblit_version: opts.version, reason: opts.reason };
    const files: BackupFile[] = [];
    const dirs: string[] = [];
    const links: BackupManifest['links'] = [];
    const pack = tar.pack();
    const hashOut = createHash('sha256');
    let archiveBytes = 0;
    const counted = async function* (source: AsyncIterable<Buffer>) {
      for await (const c of source) {
        hashOut.update(c);
        archiveBytes += c.length;
        yield c;
      }
    };
    // The archive holds the secret key and everyone's history: owner-only from its first byte.
    const out = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
    const writing = pipeline(pack, createGzip(), counted, out);
    writing.catch(() => {}); // awaited below; a failure while filling surfaces there too

    const fill = async () => {
      await add(pack, { name: 'zeblit-backup.json', mode: 0o600, mtime: new Date(header.created_at) }, Buffer.from(JSON.stringify(header, null, 2)));
      const addFile = async (rel: string, absolute: string) => {
        let fd: number;
        try {
          fd = openSync(absolute, constants.O_RDONLY | constants.O_NOFOLLOW);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') return; // deleted since the walk
          problems.push({ path: rel, reason: code ?? String(e) });
          return;
        }
        try {
          const st = fstatSync(fd);
          if (!st.isFile()) return;
          const hash = createHash('sha256');
          await add(pack, { name: `home/${rel}`, type: 'file', size: st.size, mode: st.mode & 0o7777, mtime: st.mtime }, fileBytes(fd, st.size, rel, hash));
          files.push({ path: rel, size: st.size, sha256: hash.digest('hex'), mode: st.mode & 0o7777 });
        } finally {
          closeSync(fd);
        }
      };
      await addFile('zeblit.db', snap);
      if (opts.kind === 'full') {
        for (const e of walkHome(opts.home, problems)) {
          if (e.type === 'dir') {
            dirs.push(e.rel);
            await add(pack, { name: `home/${e.rel}/`, type: 'directory', mode: e.mode, mtime: e.mtime });
          } else if (e.type === 'link') {
            links.push({ path: e.rel, target: e.target ?? '' });
            await add(pack, { name: `home/${e.rel}`, type: 'symlink', linkname: e.target ?? '', mtime: e.mtime });
          } else await addFile(e.rel, join(opts.home, e.rel));
        }
      }
      const manifest: BackupManifest = {
        ...header,
        schema: { current: state.current, migrations: state.applied },
        files,
        dirs,
        links,
        bytes: files.reduce((n, f) => n + f.size, 0),
      };
      await add(pack, { name: 'manifest.json', mode: 0o600, mtime: new Date(now()) }, Buffer.from(JSON.stringify(manifest)));
      pack.finalize();
      return manifest;
    };
    let manifest: BackupManifest;
    try {
      manifest = await fill();
    } catch (e) {
      pack.destroy(e as Error);
      throw e;
    } finally {
      await writing.catch(() => {});
    }
    await writing;
    renameSync(partial, opts.dest);
    return { file: opts.dest, bytes: statSync(opts.dest).size || archiveBytes, sha256: hashOut.digest('hex'), manifest, problems };
  } catch (e) {
    rmSync(partial, { force: true });
    throw e;
  } finally {
    rmSync(snap, { force: true });
  }
}

/** A file name for a backup made at `at`: `zeblit-<label>-20261127T120000Z.tar.gz`, sortable by time. */
export function backupName(label: string, at: number): string {
  const stamp = new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.(\d+)Z$/, '$1Z');
  return `zeblit-${label}-${stamp}.tar.gz`;
}
