/**
 * What every file operation shares: the workspaces, the ignore rules, the
 * history, and one lock per project. Invariant: whatever records history (a
 * write, a delete, a scan) runs under the project's lock, so a scan can never
 * record an older content after a newer write of the same path.
 */
import { createHash } from 'node:crypto';
import { lstatSync, read, type Stats } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ZeblitError, projectWorkspace, type FileMeta, type ZeblitPaths } from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import type { EventBus } from '../events/index.ts';
import { BlobStore, DEFAULT_INLINE_BLOB_BYTES, sha256Of } from './blobs.ts';
import { DEFAULT_RETENTION, History, type Retention } from './history.ts';
import { DEFAULT_IGNORES, IgnoreRules, parseIgnoreFile, type IgnoreFile } from './ignore.ts';
import { isBinaryContent, mimeOf } from './mime.ts';
import { baseName } from './paths.ts';
import { Recorder, type Change, type ChangeContext } from './recorder.ts';
import { SafeWorkspace, readFd, typeOf } from './safe-fs/index.ts';

const readAsync = promisify(read);

export interface FileServiceOptions {
  now?: () => number;
  /** Larger files are tracked (index, events) but not versioned. Default 10 MiB. */
  maxVersionedBytes?: number;
  /** Blobs up to this size are kept inside SQLite. Default 64 KiB. */
  inlineBlobBytes?: number;
  retention?: Retention;
  /** Content larger than this is left out of JSON answers (use raw). Default 10 MiB. */
  maxJsonContentBytes?: number;
  /** false: do without /proc/self/fd, as on macOS (tests run both ways). Default: detected. */
  procFd?: boolean;
  /** A project's workspace folder (a folder project's own folder). Default: $ZEBLIT_HOME/projects/<id>/workspace. */
  workspaceOf?: (projectId: string) => string;
}

/** A regular file as it is now, with its hash. `content` is set when it was read whole. */
export interface Observed {
  rel: string;
  stat: Stats;
  sha256: string;
  version: number | null;
  ignored: boolean;
  content: Buffer | null;
  /** The sample that decided is_binary, or the whole content. */
  binary: boolean;
  /** The index row matched the file's stat: nothing to record. */
  fresh: boolean;
}

export class FilesCore {
  readonly now: () => number;
  readonly maxVersioned: number;
  readonly maxJsonContent: number;
  readonly retention: Retention;
  private readonly procFd: boolean | undefined;
  private readonly workspaceOf: (projectId: string) => string;
  readonly blobs: BlobStore;
  readonly history: History;
  readonly recorder: Recorder;
  private readonly spaces = new Map<string, SafeWorkspace>();
  /** Per project, per folder ('' = the root): its .gitignore compiled, with the stat it was read at. */
  private readonly ignoreCache = new Map<string, Map<string, { key: string; rules: IgnoreFile }>>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    readonly db: Db,
    readonly bus: EventBus,
    readonly paths: ZeblitPaths,
    opts: FileServiceOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.maxVersioned = opts.maxVersionedBytes ?? 10 * 1024 * 1024;
    this.maxJsonContent = opts.maxJsonContentBytes ?? 10 * 1024 * 1024;
    this.retention = opts.retention ?? DEFAULT_RETENTION;
    this.procFd = opts.procFd;
    this.workspaceOf = opts.workspaceOf ?? ((id) => projectWorkspace(paths, id));
    this.blobs = new BlobStore(db, paths.blobs, opts.inlineBlobBytes ?? DEFAULT_INLINE_BLOB_BYTES, this.now);
    this.history = new History(db);
    this.recorder = new Recorder(bus, this.blobs, this.history, this.maxVersioned, this.now);
  }

  /**
   * The project's workspace, opened safely. Its scratch folder is always
   * $ZEBLIT_HOME/projects/<id>/scratch, out of the container's view (beside
   * the workspace of a template project; a folder project's folder gets none).
   */
  ws(projectId: string): SafeWorkspace {
    let ws = this.spaces.get(projectId);
    if (!ws) {
      const root = this.workspaceOf(projectId);
      ws = new SafeWorkspace(root, join(this.paths.projects, projectId, 'scratch'), this.procFd);
      this.spaces.set(projectId, ws);
    }
    return ws;
  }

  /**
   * Who made a change that was found rather than made through the API: in a
   * folder project, the user on the host (whether a read or the watcher
   * noticed it first); elsewhere, someone outside (`external`).
   */
  foundAuthor(projectId: string): string {
    return this.workspaceOf(projectId) === projectWorkspace(this.paths, projectId) ? 'external' : 'host';
  }

  forget(projectId: string): void {
    this.spaces.delete(projectId);
    this.ignoreCache.delete(projectId);
  }

  /**
   * The ignore rules of a project for one operation: defaults, the root
   * .gitignore and those of the folders below, each read once and kept until
   * its stat changes. Every call looks again (one lstat per folder that the
   * operation asks about), so an edited .gitignore counts at once.
   */
  ignores(projectId: string): IgnoreRules {
    const root = this.ignoreFile(projectId, '');
    return new IgnoreRules(root ?? EMPTY, DEFAULT_IGNORES, (dir) => this.ignoreFile(projectId, dir));
  }

  private ignoreFile(projectId: string, dir: string): IgnoreFile | null {
    const ws = this.ws(projectId);
    const rel = dir === '' ? '.gitignore' : `${dir}/.gitignore`;
    // Only the cache key is read by path (metadata, nothing of its content); the content is read through the safe workspace below.
    const st = lstatSync(join(ws.resolver.realRoot, rel), { throwIfNoEntry: false });
    let cache = this.ignoreCache.get(projectId);
    if (!cache) {
      cache = new Map();
      this.ignoreCache.set(projectId, cache);
    }
    if (!st?.isFile()) {
      cache.delete(dir);
      return dir === '' ? EMPTY : null;
    }
    const key = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    const cached = cache.get(dir);
    if (cached?.key === key) return cached.rules;
    let text = '';
    try {
      text = ws.readSmall(rel, 1024 * 1024).data?.toString('utf8') ?? '';
    } catch {
      text = ''; // a link leading outside, a folder swapped in: no rules from it
    }
    const rules = parseIgnoreFile(text);
    cache.set(dir, { key, rules });
    return rules;
  }

  /** Runs `fn` alone among the project's recording operations. */
  async exclusive<T>(projectId: string, fn: () => Promise<T> | T): Promise<T> {
    const prev = this.locks.get(projectId) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(projectId, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(projectId) === tail) this.locks.delete(projectId);
    }
  }

  record(projectId: string, changes: Change[], ctx: ChangeContext) {
    return this.recorder.record(projectId, changes, ctx);
  }

  /**
   * Stats and hashes the file at `rel` (reads it only when its stat differs
   * from the index, or when the index has no hash yet: a baseline row of an
   * imported folder, whose hash is then remembered). Large files are hashed
   * by streaming. Caller holds the lock when it means to record what it finds.
   */
  async observe(projectId: string, rel: string, opts: { wantContent?: boolean } = {}): Promise<Observed> {
    const ws = this.ws(projectId);
    const f = ws.openRead(rel);
    try {
      const ignored = this.ignores(projectId).ignores(f.rel);
      const idx = ignored ? undefined : this.history.index(projectId, f.rel);
      const same = idx !== undefined && idx.size === f.stat.size && idx.mtime_ms === f.stat.mtimeMs && idx.ctime_ms === f.stat.ctimeMs;
      const small = f.stat.size <= Math.max(this.maxVersioned, opts.wantContent ? this.maxJsonContent : 0);
      if (same && idx.sha256 !== null && !opts.wantContent) {
        const sample = readFd(f.fd, Math.min(8192, f.stat.size));
        return { rel: f.rel, stat: f.stat, sha256: idx.sha256, version: idx.version, ignored, content: null, binary: isBinaryContent(sample, f.stat.size > 8192), fresh: true };
      }
      let o: Observed;
      if (small) {
        const content = readFd(f.fd, f.stat.size);
        o = { rel: f.rel, stat: f.stat, sha256: sha256Of(content), version: same ? idx.version : null, ignored, content, binary: isBinaryContent(content), fresh: same };
      } else {
        const { sha256, sample } = await hashFd(f.fd);
        o = { rel: f.rel, stat: f.stat, sha256, version: same ? idx.version : null, ignored, content: null, binary: isBinaryContent(sample, true), fresh: same };
      }
      if (same && idx.sha256 === null) this.history.setIndexHash(projectId, f.rel, o.sha256, f.stat);
      return o;
    } finally {
      f.close();
    }
  }

  /**
   * Observes and, when the file changed since the index last saw it, records
   * that change (author `external`: found, not made through the API), so a
   * write that follows never hides it. With `keepBaseline` (a write, move or
   * delete is about to replace the file), a file of an imported folder whose
   * content was never stored is stored now, quietly, as it is: what the
   * change replaces can then be restored and undone. The caller holds the lock.
   */
  async observeLocked(projectId: string, rel: string, opts: { wantContent?: boolean; keepBaseline?: boolean } = {}): Promise<Observed> {
    const o = await this.observe(projectId, rel, opts);
    if (o.ignored) return o;
    if (o.fresh) {
      if (!opts.keepBaseline || o.version !== null || o.stat.size > this.maxVersioned) return o;
      const content = o.content ?? (await this.observe(projectId, rel, { wantContent: true })).content;
      this.record(projectId, [{ kind: 'write', path: o.rel, stat: o.stat, sha256: o.sha256, size: o.stat.size, content, ignored: false, existed: false, quiet: true, origin: 'as it was before its first change' }], { author: BASELINE_AUTHOR });
      return { ...o, content, version: this.history.index(projectId, o.rel)?.version ?? null };
    }
    const idx = this.history.index(projectId, o.rel);
    this.record(projectId, [{ kind: 'write', path: o.rel, stat: o.stat, sha256: o.sha256, size: o.stat.size, content: o.content, ignored: false, existed: idx !== undefined }], { author: this.foundAuthor(projectId) });
    return { ...o, version: this.history.index(projectId, o.rel)?.version ?? null };
  }

  observeAndRecord(projectId: string, rel: string, opts: { wantContent?: boolean } = {}): Promise<Observed> {
    return this.exclusive(projectId, () => this.observeLocked(projectId, rel, opts));
  }

  metaOf(o: Observed): FileMeta {
    const name = baseName(o.rel);
    return {
      path: o.rel,
      name,
      type: 'file',
      size: o.stat.size,
      sha256: o.sha256,
      mime_type: mimeOf(name, o.binary),
      is_binary: o.binary,
      version: o.version,
      versioned: !o.ignored && o.stat.size <= this.maxVersioned,
      ignored: o.ignored,
      modified: Math.round(o.stat.mtimeMs),
    };
  }

  /** Metadata of a folder or link (no content, no hash). */
  entryMeta(projectId: string, rel: string, stat: Stats): FileMeta {
    const type = typeOf(stat);
    return {
      path: rel,
      name: rel === '' ? '' : baseName(rel),
      type,
      size: type === 'file' ? stat.size : 0,
      sha256: null,
      mime_type: type === 'dir' ? 'inode/directory' : null,
      is_binary: false,
      version: null,
      versioned: false,
      ignored: this.ignores(projectId).ignores(rel, type === 'dir'),
      modified: Math.round(stat.mtimeMs),
    };
  }
}

/** sha256 of an open file by streaming it (bounded memory), with its first 8 KiB. */
export async function hashFd(fd: number): Promise<{ sha256: string; sample: Buffer }> {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(1024 * 1024);
  let sample: Buffer | null = null;
  let pos = 0;
  for (;;) {
    const { bytesRead } = await readAsync(fd, buf, 0, buf.length, pos);
    if (bytesRead === 0) break;
    if (!sample) sample = Buffer.from(buf.subarray(0, Math.min(8192, bytesRead)));
    hash.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return { sha256: hash.digest('hex'), sample: sample ?? Buffer.alloc(0) };
}

const EMPTY: IgnoreFile = [];

/** The author of a file's content as it was found in an imported folder (stored just before its first change). */
export const BASELINE_AUTHOR = 'baseline';

export const invalidRef = (what: string) => new ZeblitError('VALIDATION_FAILED', what);
