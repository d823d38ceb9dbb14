/**
 * Workspaces of engines that cannot bind-mount the host folder (a remote
 * DOCKER_HOST, Kubernetes): the local workspace is a mirror, kept in step by
 * archive copies through the container engine. Before a scan the container's
 * /workspace is pulled as a tar and applied to the mirror (new and changed
 * files written, vanished ones removed); after each API change the changed
 * files are pushed as a tar and deleted ones removed in the container. The
 * mirror is written through the safe workspace like any API write, so a
 * hostile archive from the container cannot reach outside either.
 */
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { FileChange } from '../contracts/index.ts';
import type { FilesCore } from './core.ts';
import { normalizePath } from './paths.ts';
import { TEMP_PREFIX } from './safe-fs/index.ts';
import { packPaths } from './archive/pack.ts';

/** What the container layer provides for one project's container. */
export interface ArchiveChannel {
  /** A tar of the container's workspace folder (names under `prefix/`), or null when no container runs. */
  pull(projectId: string): Promise<Readable | null>;
  /** Extracts a tar (names relative to the workspace) into the container's workspace. */
  push(projectId: string, archive: Readable): Promise<void>;
  /** Removes workspace-relative paths in the container. */
  remove(projectId: string, paths: string[]): Promise<void>;
}

export interface RemoteWorkspaces {
  channel: ArchiveChannel;
  /** True when this project's container does not see the host folder (archive mode). */
  isRemote(projectId: string): boolean | Promise<boolean>;
  /** The first name component of pulled archives; Docker's GET /archive of /workspace gives "workspace". */
  prefix?: string;
}

export interface PullResult {
  written: number;
  removed: number;
}

/** Applies the container's workspace to the local mirror. The caller holds the project's lock. */
export async function pullInto(core: FilesCore, projectId: string, archive: Readable, prefix: string): Promise<PullResult> {
  const ws = core.ws(projectId);
  const extract = tar.extract();
  archive.on('error', (err: Error) => extract.destroy(err));
  archive.pipe(extract);
  const present = new Set<string>();
  let written = 0;
  for await (const entry of extract) {
    const h = entry.header;
    const name = h.name.replace(/^\.\//, '').replace(/\/+$/, '');
    const inner = name === prefix ? '' : name.startsWith(`${prefix}/`) ? name.slice(prefix.length + 1) : null;
    let rel: string | null = null;
    try {
      rel = inner === null ? null : normalizePath(inner, { allowRoot: true });
    } catch {
      rel = null; // a name the API would refuse: not mirrored
    }
    if (rel === null || rel === '' || rel.split('/').some((s) => s.startsWith(TEMP_PREFIX))) {
      entry.resume();
      continue;
    }
    present.add(rel);
    if (h.type === 'directory') {
      ws.mkdir(rel);
      entry.resume();
      continue;
    }
    if (h.type !== 'file' && h.type !== 'contiguous-file') {
      entry.resume(); // links and devices are not mirrored
      continue;
    }
    const local = ws.lstat(rel);
    const mtime = h.mtime ?? new Date(0);
    if (local?.isFile() && local.size === h.size && Math.floor(local.mtimeMs / 1000) === Math.floor(mtime.getTime() / 1000)) {
      entry.resume();
      continue;
    }
    if (local?.isDirectory()) ws.remove(rel);
    const staged = ws.stage(rel, 0);
    try {
      await staged.pipeFrom(entry as unknown as AsyncIterable<Uint8Array>); // a streamx Readable: async-iterable bytes
    } catch (e) {
      staged.abort();
      throw e;
    }
    staged.commit();
    ws.setMtime(rel, mtime);
    written++;
  }
  let removed = 0;
  const gone: string[] = [];
  ws.walk('', (e) => {
    if (e.name.startsWith(TEMP_PREFIX)) return false;
    if (!present.has(e.rel)) {
      gone.push(e.rel);
      return false;
    }
    return e.type === 'dir';
  });
  for (const rel of gone) {
    ws.remove(rel);
    removed++;
  }
  return { written, removed };
}

/** Sends the API's changes to the container: changed files as one tar, deletions by path. */
export async function pushChanges(core: FilesCore, remote: RemoteWorkspaces, projectId: string, changes: FileChange[]): Promise<void> {
  if (changes.length === 0 || !(await remote.isRemote(projectId))) return;
  const written = changes.filter((c) => c.action !== 'deleted').map((c) => c.path);
  const deleted = changes.filter((c) => c.action === 'deleted').map((c) => c.path);
  if (written.length > 0) await remote.channel.push(projectId, packPaths(core.ws(projectId), written));
  if (deleted.length > 0) await remote.channel.remove(projectId, deleted);
}
