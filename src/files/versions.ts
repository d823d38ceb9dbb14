import { ZeblitError, DiffQuery, type FileDiff, type FileMeta, type FileVersionContent, type FileVersionList } from '../contracts/index.ts';
import type { FilesCore } from './core.ts';
import { unifiedDiff } from './diff.ts';
import { toVersionInfo, type VersionRow } from './history.ts';
import { isBinaryContent, mimeOf } from './mime.ts';
import { baseName, normalizePath } from './paths.ts';
import { writeContent, type Precondition } from './write.ts';
import type { ChangeContext } from './recorder.ts';

const noVersion = (rel: string, n: number) =>
  new ZeblitError('NOT_FOUND', `Version ${n} of ${rel} not found`, { suggestion: `List the versions: GET /files/${rel}/versions (old ones may have been pruned).` });

/** The history of a path, newest first; also for deleted paths. */
export async function listVersions(core: FilesCore, projectId: string, path: string): Promise<FileVersionList> {
  const rel = await canonical(core, projectId, path);
  const rows = core.history.list(projectId, rel);
  const exists = core.ws(projectId).stat(rel)?.stat.isFile() ?? false;
  if (rows.length === 0 && !exists) throw new ZeblitError('NOT_FOUND', `No file or history at ${rel}`);
  const latest = rows[0];
  const current = latest && latest.action !== 'deleted' ? latest.version : null;
  return { path: rel, exists, current_version: exists ? current : null, items: rows.map((r) => toVersionInfo(r, current)) };
}

/**
 * The real path behind `path`: an internal symlink names its target (that is
 * where history is kept); a path that no longer exists is taken as written.
 * A file changed behind our back is recorded first, so "current" is current.
 */
async function canonical(core: FilesCore, projectId: string, path: string): Promise<string> {
  const rel = normalizePath(path);
  const found = core.ws(projectId).stat(rel);
  if (found?.stat.isFile()) return (await core.observeAndRecord(projectId, rel)).rel;
  return found?.rel ?? rel;
}

function contentRow(core: FilesCore, rel: string, row: VersionRow): Buffer {
  if (row.sha256 === null) throw new ZeblitError('NOT_FOUND', `Version ${row.version} of ${rel} is its deletion: it has no content`, { suggestion: 'Pick the version before it.' });
  const data = core.blobs.get(row.sha256);
  if (!data) throw new ZeblitError('INTERNAL', `The content of version ${row.version} of ${rel} is missing from the blob store`);
  return data;
}

export async function getVersion(core: FilesCore, projectId: string, path: string, n: number): Promise<{ info: FileVersionContent; data: Buffer | null }> {
  const rel = await canonical(core, projectId, path);
  const row = core.history.get(projectId, rel, n);
  if (!row) throw noVersion(rel, n);
  const latest = core.history.latest(projectId, rel);
  const current = latest && latest.action !== 'deleted' ? latest.version : null;
  const data = row.sha256 === null ? null : contentRow(core, rel, row);
  const binary = data ? isBinaryContent(data) : false;
  const content = data === null || data.byteLength > core.maxJsonContent ? null : binary ? data.toString('base64') : data.toString('utf8');
  return {
    info: { ...toVersionInfo(row, current), path: rel, mime_type: mimeOf(baseName(rel), binary), is_binary: binary, content, encoding: content === null ? null : binary ? 'base64' : 'utf-8' },
    data,
  };
}

/** Writes version n back as a new version (also for a deleted file). */
export async function restoreVersion(core: FilesCore, projectId: string, path: string, n: number, opts: ChangeContext & { ifMatch?: Precondition | null }): Promise<FileMeta> {
  const rel = await canonical(core, projectId, path);
  const row = core.history.get(projectId, rel, n);
  if (!row) throw noVersion(rel, n);
  return writeContent(core, projectId, rel, contentRow(core, rel, row), { ...opts, origin: `restored from v${n}` });
}

/** A unified diff between two versions, or a version and the file on disk ("current"). */
export async function diffVersions(core: FilesCore, projectId: string, path: string, input: DiffQuery): Promise<FileDiff> {
  const q = DiffQuery.parse(input);
  const rel = await canonical(core, projectId, path);
  const load = (ref: string): { n: number | null; data: Buffer } => {
    if (ref === 'current') {
      const found = core.ws(projectId).stat(rel);
      if (!found?.stat.isFile()) throw new ZeblitError('NOT_FOUND', `${rel} does not exist now`, { suggestion: 'Compare two versions: ?from=1&to=2' });
      const { data } = core.ws(projectId).readSmall(rel, core.maxVersioned);
      if (!data) throw new ZeblitError('PAYLOAD_TOO_LARGE', `${rel} is too large to diff`);
      return { n: null, data };
    }
    const row = core.history.get(projectId, rel, Number(ref));
    if (!row) throw noVersion(rel, Number(ref));
    return { n: row.version, data: row.sha256 === null ? Buffer.alloc(0) : contentRow(core, rel, row) };
  };
  const toRef = q.to ?? 'current';
  let fromRef = q.from;
  if (fromRef === undefined) {
    // The version before `to`: for the file on disk, the newest version (or the one before it when they are equal).
    const rows = core.history.list(projectId, rel).filter((r) => r.sha256 !== null);
    const disk = toRef === 'current' ? core.history.index(projectId, rel) : undefined;
    const below = toRef === 'current' ? rows.filter((r) => r.version !== disk?.version) : rows.filter((r) => r.version < Number(toRef));
    const prev = below[0];
    if (!prev) throw new ZeblitError('NOT_FOUND', `${rel} has no earlier version to compare with`);
    fromRef = String(prev.version);
  }
  const a = load(fromRef);
  const b = load(toRef);
  const binary = isBinaryContent(a.data) || isBinaryContent(b.data);
  const identical = a.data.equals(b.data);
  if (binary) return { path: rel, from: a.n, to: b.n, binary, identical, diff: null, additions: 0, deletions: 0 };
  const label = (n: number | null) => (n === null ? `b/${rel}` : `${rel}@v${n}`);
  const d = unifiedDiff(a.data.toString('utf8'), b.data.toString('utf8'), { from: label(a.n), to: label(b.n) }, q.context);
  return { path: rel, from: a.n, to: b.n, binary, identical, diff: d.text, additions: d.additions, deletions: d.deletions };
}
