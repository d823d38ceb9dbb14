/**
 * The files domain: workspace files with history. One service per daemon;
 * every method takes the project id (the caller checked access).
 */
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type {
  Checkpoint,
  CreateFileRequest,
  TurnStatus,
  UndoResult,
  DeleteResult,
  DiffQuery,
  FileContent,
  FileDiff,
  FileList,
  FileListQuery,
  FileMeta,
  FileTree,
  FileVersionContent,
  FileVersionList,
  MoveResult,
  PruneResult,
  SearchQuery,
  SearchResult,
  SyncResult,
  TreeQuery,
  UploadResult,
  ZeblitPaths,
} from '../contracts/index.ts';
import { CreateFileRequest as CreateSchema, ZeblitError } from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import type { EventBus } from '../events/index.ts';
import { packFolder } from './archive/pack.ts';
import { Checkpoints, type BeginCheckpoint } from './checkpoints.ts';
import { FilesCore, type FileServiceOptions } from './core.ts';
import { list, tree } from './listing.ts';
import { normalizePath } from './paths.ts';
import { openRaw, readFile, statFile, type RawFile } from './read.ts';
import type { ChangeContext } from './recorder.ts';
import { filesAt, MirrorPushes } from './mirror-pushes.ts';
import { pullInto, type RemoteWorkspaces } from './remote.ts';
import { cleanScratch } from './scratch.ts';
import { importBaselineLocked, recordPaths, scanLocked, sinceMs } from './scan.ts';
import { HostWatcher } from './watch.ts';
import { search } from './search.ts';
import { uploadFile, type UploadOptions } from './upload.ts';
import { diffVersions, getVersion, listVersions, restoreVersion } from './versions.ts';
import { copyPath, deletePath, movePath, parseIfMatch, writeContent, type Precondition } from './write.ts';

export { parseIfMatch, type Precondition } from './write.ts';
export { normalizePath } from './paths.ts';
export { IgnoreRules, DEFAULT_IGNORES } from './ignore.ts';
export { unifiedDiff } from './diff.ts';
export { DEFAULT_RETENTION, type Retention } from './history.ts';
export { hasProcFd } from './safe-fs/index.ts';
export type { ArchiveChannel, RemoteWorkspaces } from './remote.ts';
export type { FileServiceOptions } from './core.ts';
export type { RawFile } from './read.ts';
export type { ChangeContext } from './recorder.ts';
export type { BeginCheckpoint } from './checkpoints.ts';
export { BASELINE_AUTHOR } from './core.ts';
export * as fileTables from './files.sql.ts';

export interface FileServiceDeps {
  /** Archive-copy sync for engines without bind mounts; absent: every workspace is bind-mounted. */
  remote?: RemoteWorkspaces;
  /** Reports failures of background work (pushes to a remote container). */
  onError?: (err: unknown, what: string) => void;
  /** Whether a command runs in the project's container now (the host watcher leaves its changes to the scan after it). */
  busy?: (projectId: string) => boolean;
  /** false: never watch folders (scans before turns and runs find host edits). Default true. */
  watch?: boolean;
  /** The host watcher's debounce (default 30 ms). */
  watchDebounceMs?: number;
}

export interface WriteInput extends ChangeContext {
  ifMatch?: Precondition | string | null;
}

const pre = (v: Precondition | string | null | undefined): Precondition | null => (typeof v === 'string' ? parseIfMatch(v) : (v ?? null));

export class FileService {
  readonly core: FilesCore;
  private readonly remote: RemoteWorkspaces | undefined;
  private readonly onError: (err: unknown, what: string) => void;
  private readonly mirror: MirrorPushes;

  private readonly watcher: HostWatcher | null;
  /** Agent turns as reviewable, undoable units (see checkpoints.ts). */
  readonly checkpoints: Checkpoints;

  constructor(db: Db, bus: EventBus, paths: ZeblitPaths, opts: FileServiceOptions = {}, deps: FileServiceDeps = {}) {
    this.core = new FilesCore(db, bus, paths, opts);
    this.remote = deps.remote;
    this.onError = deps.onError ?? (() => {});
    this.mirror = new MirrorPushes(this.core, this.remote, this.onError);
    this.checkpoints = new Checkpoints(this.core);
    this.watcher =
      deps.watch === false
        ? null
        : new HostWatcher(this.core, { busy: deps.busy, debounceMs: deps.watchDebounceMs, onError: this.onError, onRecorded: (id, changes) => this.mirror.later(id, changes) });
  }

  /**
   * A new folder project: its files become baseline index rows (no content
   * copied; see importBaselineLocked), then its folder is watched.
   */
  async importFolder(projectId: string): Promise<{ files: number; duration_ms: number; watching: boolean }> {
    const start = performance.now();
    const { files } = await this.core.exclusive(projectId, () => importBaselineLocked(this.core, projectId));
    const watching = this.watchHost(projectId);
    return { files, duration_ms: sinceMs(start), watching };
  }

  /** Watches a folder project's folder for the user's own edits (recorded as author `host`); false when it cannot. */
  watchHost(projectId: string): boolean {
    return this.watcher?.watch(projectId) ?? false;
  }

  /**
   * At the daemon's start, for a folder project: what the user changed while
   * no daemon watched is recorded once (author host), by one scan; the
   * watcher sees what comes after.
   */
  async catchUp(projectId: string): Promise<number> {
    const res = await this.core.exclusive(projectId, () => scanLocked(this.core, projectId, { author: 'host' }));
    if (res.changes.length > 0) this.mirror.later(projectId, res.changes);
    return res.changes.length;
  }

  /** Stops watching a folder (edits are then found by scans before each turn and run). */
  unwatchHost(projectId: string): void {
    this.watcher?.unwatch(projectId);
  }

  watchingHost(projectId: string): boolean {
    return this.watcher?.watching(projectId) ?? false;
  }

  /**
   * Before an agent turn and before a command run: the workspace as the user
   * left it is recorded first, so nobody works on a stale view and history
   * says who changed what. A watched folder only needs its pending events
   * handled; any other workspace is scanned (and in archive mode what was
   * found is pushed into the container).
   */
  async syncHost(projectId: string, author = 'host'): Promise<void> {
    if (this.watcher?.watching(projectId)) return this.watcher.settle(projectId);
    const res = await this.core.exclusive(projectId, () => scanLocked(this.core, projectId, { author }));
    if (res.changes.length > 0) this.mirror.later(projectId, res.changes);
  }

  /** The workspace folder on the host. */
  root(projectId: string): string {
    return this.core.ws(projectId).root;
  }

  async read(projectId: string, path: string): Promise<FileContent> {
    await this.settled(projectId);
    return readFile(this.core, projectId, path, true);
  }

  async stat(projectId: string, path: string): Promise<FileMeta> {
    await this.settled(projectId);
    return statFile(this.core, projectId, path);
  }

  openRaw(projectId: string, path: string): RawFile {
    return openRaw(this.core, projectId, path);
  }

  /** A folder as a tar.gz stream (a file: use openRaw). */
  downloadFolder(projectId: string, path: string): Readable {
    return packFolder(this.core.ws(projectId), normalizePath(path, { allowRoot: true }));
  }

  /** Whether `path` is a folder (for the download route); throws NOT_FOUND when nothing is there. */
  isFolder(projectId: string, path: string): boolean {
    const rel = normalizePath(path, { allowRoot: true });
    const found = this.core.ws(projectId).stat(rel);
    if (!found) throw new ZeblitError('NOT_FOUND', `File ${rel || '/'} not found`);
    return found.stat.isDirectory();
  }

  async create(projectId: string, input: CreateFileRequest, ctx: ChangeContext): Promise<FileMeta> {
    const req = CreateSchema.parse(input);
    const data = decode(req.content, req.encoding);
    const meta = await writeContent(this.core, projectId, req.path, data, { ...ctx, mustNotExist: !req.overwrite });
    this.mirror.later(projectId, [{ path: meta.path, action: 'created', version: meta.version }]);
    return meta;
  }

  async write(projectId: string, path: string, data: Buffer, ctx: WriteInput): Promise<FileMeta> {
    const meta = await writeContent(this.core, projectId, path, data, { ...ctx, ifMatch: pre(ctx.ifMatch) });
    this.mirror.later(projectId, [{ path: meta.path, action: 'modified', version: meta.version }]);
    return meta;
  }

  async writeText(projectId: string, path: string, content: string, encoding: 'utf-8' | 'base64', ctx: WriteInput): Promise<FileMeta> {
    return this.write(projectId, path, decode(content, encoding), ctx);
  }

  async delete(projectId: string, path: string, ctx: WriteInput): Promise<DeleteResult> {
    const res = await deletePath(this.core, projectId, path, { ...ctx, ifMatch: pre(ctx.ifMatch) });
    this.mirror.later(projectId, [{ path: res.path, action: 'deleted', version: null }]);
    return res;
  }

  async move(projectId: string, from: string, to: string, overwrite: boolean, ctx: ChangeContext): Promise<MoveResult> {
    const res = await movePath(this.core, projectId, from, to, overwrite, ctx);
    this.mirror.later(projectId, [{ path: res.from, action: 'deleted', version: null }, ...filesAt(this.core, projectId, res.to)]);
    return res;
  }

  async copy(projectId: string, from: string, to: string, overwrite: boolean, ctx: ChangeContext): Promise<MoveResult> {
    const res = await copyPath(this.core, projectId, from, to, overwrite, ctx);
    this.mirror.later(projectId, filesAt(this.core, projectId, res.to));
    return res;
  }

  async upload(projectId: string, path: string, source: AsyncIterable<Uint8Array>, opts: Omit<UploadOptions, 'ifMatch'> & { ifMatch?: Precondition | string | null }): Promise<UploadResult> {
    const res = await uploadFile(this.core, projectId, path, source, { ...opts, ifMatch: pre(opts.ifMatch) });
    this.mirror.later(projectId, res.files.map((f) => ({ path: f.path, action: 'modified' as const, version: f.version })));
    return res;
  }

  tree(projectId: string, query: TreeQuery): FileTree {
    return tree(this.core, projectId, query);
  }

  list(projectId: string, query: FileListQuery): FileList {
    return list(this.core, projectId, query);
  }

  async search(projectId: string, query: SearchQuery): Promise<SearchResult> {
    await this.settled(projectId);
    return search(this.core, projectId, query);
  }

  async versions(projectId: string, path: string): Promise<FileVersionList> {
    await this.settled(projectId);
    return listVersions(this.core, projectId, path);
  }

  version(projectId: string, path: string, n: number): Promise<{ info: FileVersionContent; data: Buffer | null }> {
    return getVersion(this.core, projectId, path, n);
  }

  async restore(projectId: string, path: string, n: number, ctx: WriteInput): Promise<FileMeta> {
    const meta = await restoreVersion(this.core, projectId, path, n, { ...ctx, ifMatch: pre(ctx.ifMatch) });
    this.mirror.later(projectId, [{ path: meta.path, action: 'modified', version: meta.version }]);
    return meta;
  }

  diff(projectId: string, path: string, query: DiffQuery): Promise<FileDiff> {
    return diffVersions(this.core, projectId, path, query);
  }

  /**
   * Finds what changed in the workspace since the last look, records versions
   * and publishes `file.changed`. In archive mode the container's workspace is
   * copied into the mirror first.
   */
  async sync(projectId: string, opts: ChangeContext & { path?: string }): Promise<SyncResult> {
    const start = performance.now();
    return this.core.exclusive(projectId, async () => {
      let mode: SyncResult['mode'] = 'bind';
      if (this.remote && (await this.remote.isRemote(projectId))) {
        // The API's changes reach the container first: a pull before them would bring back what they replaced.
        await this.flushPushes();
        const archive = await this.remote.channel.pull(projectId);
        if (archive) {
          mode = 'archive';
          await pullInto(this.core, projectId, archive, this.remote.prefix ?? 'workspace');
        }
      }
      const res = await scanLocked(this.core, projectId, opts);
      return { ...res, mode, duration_ms: sinceMs(start) };
    });
  }

  /**
   * After a command run: the scan of the workspace, deferred past the run's
   * answer so it never delays it. Until it is done, readers of the project
   * wait for it (settled): a file the command made is there for the next
   * read, in archive mode too, and its version is in the history.
   */
  afterRun(projectId: string, opts: { author?: string; runId?: string | null } = {}): Promise<SyncResult> {
    const scan = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.syncAfterRun(projectId, opts));
    const tracked: Promise<unknown> = scan.then(
      () => this.doneScanning(projectId, tracked),
      () => this.doneScanning(projectId, tracked),
    );
    this.scans.set(projectId, tracked);
    return scan;
  }

  /** Resolves when the scan after the project's last run is done (at once when there is none); never rejects. Synchronous readers (tree, list, openRaw) are awaited after it by their callers. */
  settled(projectId: string): Promise<void> {
    const pending = this.scans.get(projectId);
    return pending ? pending.then(() => undefined) : Promise.resolve();
  }

  private readonly scans = new Map<string, Promise<unknown>>();
  private doneScanning(projectId: string, which: Promise<unknown>): void {
    if (this.scans.get(projectId) === which) this.scans.delete(projectId);
  }

  /** What the container layer calls after every command run. */
  syncAfterRun(projectId: string, opts: { author?: string; runId?: string | null } = {}): Promise<SyncResult> {
    return this.sync(projectId, { author: opts.author ?? 'container', runId: opts.runId ?? null });
  }

  /**
   * Pushes the whole workspace to a container that does not see the host
   * folder (after it (re)starts: a new container, or a volume that lost what
   * the API wrote). Under the project's lock, after pending pushes, so a sync
   * queued before it (the one after the runs a restart ended) pulls first.
   * Files only the container has are left for the next sync to find.
   */
  pushAll(projectId: string): Promise<number> {
    return this.mirror.all(projectId);
  }

  /** Resolves when the last whole-workspace push of this project is over (whatever its outcome). */
  workspaceReady(projectId: string): Promise<void> {
    return this.mirror.ready(projectId);
  }

  /** Retention over every project, then blobs no version needs. */
  prune(projectId?: string): PruneResult {
    const versions = this.core.history.prune(this.core.retention, this.core.now(), projectId);
    const { blobs, bytes } = this.core.blobs.collect();
    return { versions, blobs, bytes };
  }

  /** At start: empties every project's scratch folder (see cleanScratch). */
  cleanScratch(): number {
    return cleanScratch(this.core.paths.projects);
  }

  /** An agent turn starts: the workspace as the user left it is recorded first, then the turn's checkpoint opens. */
  async beginTurn(b: BeginCheckpoint, hostAuthor = 'host'): Promise<void> {
    await this.settled(b.projectId);
    await this.syncHost(b.projectId, hostAuthor);
    this.checkpoints.begin(b);
  }

  /** An agent turn ended: once the scans after its commands are done, what it did becomes its checkpoint. */
  async finishTurn(projectId: string, turnId: string, status: TurnStatus, runs: readonly string[]): Promise<Checkpoint> {
    await this.settled(projectId);
    return this.core.exclusive(projectId, () => this.checkpoints.finish(projectId, turnId, status, runs));
  }

  /** Undoes a turn (see Checkpoints.undo); the user's own edits are recorded first so they are never overwritten unseen. */
  async undoTurn(projectId: string, turnId: string | null, opts: { force: boolean; author: string; hostAuthor?: string }): Promise<UndoResult> {
    await this.settled(projectId);
    const hostAuthor = opts.hostAuthor ?? 'host';
    await this.syncHost(projectId, hostAuthor);
    const id = turnId ?? this.checkpoints.latestUndoable(projectId).id;
    // The turn's own files are looked at once more, whatever the watcher heard yet: an edit is never overwritten unseen.
    const paths = this.checkpoints.get(projectId, id).files.map((f) => f.path);
    const found = await this.core.exclusive(projectId, () => recordPaths(this.core, projectId, paths, { author: hostAuthor }));
    if (found.length > 0) this.mirror.later(projectId, found);
    return this.checkpoints.undo(projectId, id, opts, {
      write: (pid, path, data, ctx) => this.write(pid, path, data, ctx),
      delete: (pid, path, ctx) => this.delete(pid, path, ctx),
    });
  }

  /** Drops cached handles of a project (its folder is going away). */
  forget(projectId: string): void {
    this.watcher?.unwatch(projectId);
    this.core.forget(projectId);
  }

  /** Shutdown: the host watchers stop. */
  close(): void {
    this.watcher?.close();
  }

  /** Resolves when every pending push to remote containers is done (tests, shutdown). */
  flushPushes(): Promise<void> {
    return this.mirror.flush();
  }
}

function decode(content: string, encoding: 'utf-8' | 'base64'): Buffer {
  if (encoding === 'utf-8') return Buffer.from(content, 'utf8');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(content.replace(/\s+/g, ''))) throw new ZeblitError('VALIDATION_FAILED', 'content is not valid base64');
  return Buffer.from(content, 'base64');
}
