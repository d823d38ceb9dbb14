/**
 * Finding what changed in a workspace behind the API's back (a command in the
 * container, an editor). Cheap by design: the per-project index remembers
 * size, mtime and ctime of every tracked file, so only files whose stat moved
 * are read and hashed; a file whose hash did not move only refreshes its row.
 * Ignored folders are not entered at all.
 */
import { performance } from 'node:perf_hooks';
import type { FileChange, SyncResult } from '../contracts/index.ts';
import type { FilesCore } from './core.ts';
import { normalizePath } from './paths.ts';
import type { Change, ChangeContext } from './recorder.ts';
import { TEMP_PREFIX, type WalkEntry } from './safe-fs/index.ts';

const BATCH_BYTES = 32 * 1024 * 1024;
const BATCH_FILES = 500;
const STALE_TEMP_MS = 60 * 60 * 1000;
const MAX_LISTED_CHANGES = 1000;

export interface ScanOptions extends ChangeContext {
  /** Only this folder ('' or undefined: the whole workspace). */
  path?: string;
}

/** Scans and records. The caller holds the project's lock. */
export async function scanLocked(core: FilesCore, projectId: string, opts: ScanOptions): Promise<Omit<SyncResult, 'mode' | 'duration_ms'>> {
  const dir = normalizePath(opts.path ?? '', { allowRoot: true });
  const ws = core.ws(projectId);
  const ignores = core.ignores(projectId);
  const known = new Map(core.history.indexUnder(projectId, dir).map((r) => [r.path, r]));
  const seen = new Set<string>();
  const candidates: WalkEntry[] = [];
  const staleTemps: string[] = [];
  const now = core.now();
  const start = ws.stat(dir);
  if (start?.stat.isDirectory() && !ignores.ignores(start.rel, true)) {
    ws.walk(start.rel, (e) => {
      if (e.name.startsWith(TEMP_PREFIX)) {
        if (now - e.mtimeMs > STALE_TEMP_MS) staleTemps.push(e.rel); // left by a crash mid-write
        return false;
      }
      if (ignores.ignoresEntry(e.rel, e.type === 'dir')) return false;
      if (e.type === 'dir') return true;
      if (e.type !== 'file') return false; // links and special files are not tracked
      seen.add(e.rel);
      const k = known.get(e.rel);
      if (!k || k.size !== e.size || k.mtime_ms !== e.mtimeMs || k.ctime_ms !== e.ctimeMs) candidates.push(e);
      return false;
    });
  }
  for (const t of staleTemps) {
    try {
      ws.remove(t);
    } catch {
      // raced with its owner
    }
  }

  const result = { scanned: seen.size, hashed: 0, created: 0, modified: 0, deleted: 0, changes: [] as FileChange[] };
  const take = (done: FileChange[]) => {
    for (const c of done) {
      result[c.action]++;
      if (result.changes.length < MAX_LISTED_CHANGES) result.changes.push(c);
    }
  };
  let batch: Change[] = [];
  let batchBytes = 0;
  const flush = () => {
    if (batch.length > 0) take(core.record(projectId, batch, opts));
    batch = [];
    batchBytes = 0;
  };
  for (const e of candidates) {
    let o;
    try {
      o = await core.observe(projectId, e.rel);
    } catch {
      seen.delete(e.rel); // gone (or replaced by a link) since the walk
      continue;
    }
    result.hashed++;
    const k = known.get(e.rel);
    batch.push({ kind: 'write', path: o.rel, stat: o.stat, sha256: o.sha256, size: o.stat.size, content: o.content, ignored: false, existed: k !== undefined });
    batchBytes += o.content?.byteLength ?? 0;
    if (batch.length >= BATCH_FILES || batchBytes >= BATCH_BYTES) flush();
  }
  for (const [path] of known) {
    if (seen.has(path)) continue;
    // Newly ignored paths leave the index quietly; the others were deleted.
    batch.push(ignores.ignores(path) && ws.stat(path)?.stat.isFile() ? { kind: 'forget', path } : { kind: 'delete', path, ignored: false });
    if (batch.length >= BATCH_FILES) flush();
  }
  flush();
  return result;
}

export function sinceMs(start: number): number {
  return Math.round((performance.now() - start) * 100) / 100;
}

const BASELINE_BATCH = 5_000;

/**
 * The first look at a folder project's folder: every file that is not
 * ignored gets an index row (path, size, mtime, ctime) and nothing else: no
 * read, no hash, no blob, no version, no event. A repository of 50,000 files
 * is not copied into the version store; a file's content is stored when it
 * first changes (or just before an API write replaces it, see
 * FilesCore.observeLocked), and its hash when something needs it. The
 * caller holds the project's lock.
 */
export function importBaselineLocked(core: FilesCore, projectId: string): { files: number; skipped: number } {
  const ws = core.ws(projectId);
  const ignores = core.ignores(projectId);
  const known = new Set(core.history.indexUnder(projectId, '').map((r) => r.path));
  const rows: { path: string; size: number; mtime_ms: number; ctime_ms: number }[] = [];
  let skipped = 0;
  ws.walk('', (e) => {
    if (e.name.startsWith(TEMP_PREFIX)) return false;
    if (ignores.ignoresEntry(e.rel, e.type === 'dir')) {
      if (e.type === 'file') skipped++;
      return false;
    }
    if (e.type === 'dir') return true;
    if (e.type === 'file' && !known.has(e.rel)) rows.push({ path: e.rel, size: e.size, mtime_ms: e.mtimeMs, ctime_ms: e.ctimeMs });
    return false;
  });
  // Batches of a few thousand rows: one transaction each, so other writers are never held up for long.
  for (let i = 0; i < rows.length; i += BASELINE_BATCH) {
    const chunk = rows.slice(i, i + BASELINE_BATCH);
    core.history.transaction((tx) => {
      for (const r of chunk) core.history.upsertIndex(tx, { project_id: projectId, ...r, sha256: null, version: null });
    });
  }
  return { files: rows.length, skipped };
}

/**
 * Records what happened at a few paths (a watcher's events): a file that
 * changed is hashed and recorded, one that went is a deletion, a folder that
 * went takes the index rows below it along. Folders that appeared are left
 * to the caller (it scans them whole). The caller holds the project's lock.
 */
export async function recordPaths(core: FilesCore, projectId: string, rels: Iterable<string>, ctx: ChangeContext): Promise<FileChange[]> {
  const ws = core.ws(projectId);
  const ignores = core.ignores(projectId);
  const changes: Change[] = [];
  for (const rel of rels) {
    if (rel.split('/').some((s) => s.startsWith(TEMP_PREFIX)) || ignores.ignores(rel)) continue;
    let st;
    try {
      st = ws.lstat(rel);
    } catch {
      continue; // behind a link leading outside: not ours to record
    }
    if (st?.isFile()) {
      const idx = core.history.index(projectId, rel);
      if (idx && idx.size === st.size && idx.mtime_ms === st.mtimeMs && idx.ctime_ms === st.ctimeMs) continue;
      let o;
      try {
        o = await core.observe(projectId, rel);
      } catch {
        continue; // gone again
      }
      changes.push({ kind: 'write', path: o.rel, stat: o.stat, sha256: o.sha256, size: o.stat.size, content: o.content, ignored: false, existed: idx !== undefined });
    } else if (!st) {
      for (const r of core.history.indexUnder(projectId, rel)) changes.push({ kind: 'delete', path: r.path, ignored: false });
    }
  }
  return changes.length > 0 ? core.record(projectId, changes, ctx) : [];
}
