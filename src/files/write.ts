import { createReadStream, type Stats } from 'node:fs';
import { ZeblitError, type DeleteResult, type FileMeta, type MoveResult } from '../contracts/index.ts';
import type { FilesCore, Observed } from './core.ts';
import { isBinaryContent } from './mime.ts';
import { normalizePath, joinRel } from './paths.ts';
import type { Change, ChangeContext } from './recorder.ts';
import type { IgnoreRules } from './ignore.ts';
import type { StagedFile } from './safe-fs/index.ts';

/** An If-Match value: `*`, a version number, or a sha256 (quoted or not, W/ ignored). */
export type Precondition = { kind: 'exists' } | { kind: 'version'; version: number } | { kind: 'sha256'; sha256: string };

export function parseIfMatch(value: string | undefined | null): Precondition | null {
  if (value === undefined || value === null || value.trim() === '') return null;
  const v = value.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1').trim();
  if (v === '*') return { kind: 'exists' };
  if (/^v?\d+$/.test(v)) return { kind: 'version', version: Number(v.replace(/^v/, '')) };
  if (/^[0-9a-fA-F]{64}$/.test(v)) return { kind: 'sha256', sha256: v.toLowerCase() };
  throw new ZeblitError('VALIDATION_FAILED', `If-Match must be a version number or a sha256, got "${value}"`, {
    suggestion: 'Send the version or sha256 you last read (GET /files/{path} gives both).',
  });
}

function checkPrecondition(rel: string, pre: Precondition | null, current: Observed | null): void {
  if (!pre) return;
  const stale = (why: string) =>
    new ZeblitError('CONFLICT', `${rel} changed since you read it (${why})`, {
      details: { path: rel, current_version: current?.version ?? null, current_sha256: current?.sha256 ?? null },
      suggestion: 'Read the file again, merge your change, and send it with the new If-Match.',
    });
  if (!current) throw stale('it no longer exists');
  if (pre.kind === 'version' && current.version !== pre.version) throw stale(`version ${current.version ?? 'none'}, not ${pre.version}`);
  if (pre.kind === 'sha256' && current.sha256 !== pre.sha256) throw stale('its sha256 differs');
}

export interface WriteOptions extends ChangeContext {
  ifMatch?: Precondition | null;
  /** 409 when something is already there (POST /files). */
  mustNotExist?: boolean;
  origin?: string | null;
}

/**
 * What is at `rel` now. A file is hashed (and recorded first if it changed
 * behind our back, so the write never hides that change) when a precondition
 * needs its hash or when it is versioned; a large or ignored file that is
 * about to be replaced is only stat-ed.
 */
async function currentFile(core: FilesCore, projectId: string, staged: StagedFile, ignores: IgnoreRules, needHash: boolean): Promise<{ exists: boolean; observed: Observed | null }> {
  // An lstat in the folder the staging already verified: no second walk of the path (the write's latency).
  const rel = staged.target.rel;
  const now = staged.current();
  if (!now) return { exists: false, observed: null };
  if (!now.isFile()) throw new ZeblitError('CONFLICT', `${rel} is a ${now.isDirectory() ? 'folder' : 'special file'}`);
  const versioned = now.size <= core.maxVersioned && !ignores.ignores(rel);
  if (!needHash && !versioned) return { exists: true, observed: null };
  return { exists: true, observed: await core.observeLocked(projectId, rel, { keepBaseline: true }) };
}

/**
 * Completes a staged write under the project's lock: checks the preconditions
 * against what is there NOW, renames into place, records. `staged` is aborted
 * on any refusal.
 */
export async function commitStaged(core: FilesCore, projectId: string, rel: string, staged: StagedFile, opts: WriteOptions): Promise<FileMeta> {
  try {
    const ignores = core.ignores(projectId);
    const before = await currentFile(core, projectId, staged, ignores, Boolean(opts.ifMatch));
    if (opts.mustNotExist && before.exists) throw new ZeblitError('CONFLICT', `${rel} already exists`, { suggestion: 'Use PUT /files/{path} to change it, or pass overwrite: true.' });
    checkPrecondition(rel, opts.ifMatch ?? null, before.observed);
    const r = staged.result();
    const stat = staged.commit();
    // A .gitignore that was just written may change its own verdict: ask the new rules.
    const ignored = (staged.target.name === '.gitignore' ? core.ignores(projectId) : ignores).ignores(staged.target.rel);
    core.record(projectId, [{ kind: 'write', path: staged.target.rel, stat, sha256: r.sha256, size: r.size, content: r.content, ignored, existed: before.exists, origin: opts.origin }], opts);
    const version = ignored ? null : (core.history.index(projectId, staged.target.rel)?.version ?? null);
    const binary = r.content ? isBinaryContent(r.content) : isBinaryContent(r.head, true);
    return core.metaOf({ rel: staged.target.rel, stat, sha256: r.sha256, version, ignored, content: r.content, binary, fresh: true });
  } catch (e) {
    staged.abort();
    throw e;
  }
}

/** Writes a whole buffer (text writes, restores). */
export function writeContent(core: FilesCore, projectId: string, path: string, data: Buffer, opts: WriteOptions): Promise<FileMeta> {
  const rel = normalizePath(path);
  return core.exclusive(projectId, async () => {
    const staged = core.ws(projectId).stage(rel, core.maxVersioned);
    try {
      staged.writeAllSync(data);
    } catch (e) {
      staged.abort();
      throw e;
    }
    return commitStaged(core, projectId, rel, staged, opts);
  });
}

/** Removes a file, link or folder; a folder's files each get a `deleted` version. */
export function deletePath(core: FilesCore, projectId: string, path: string, opts: WriteOptions): Promise<DeleteResult> {
  const rel = normalizePath(path);
  return core.exclusive(projectId, async () => {
    const ws = core.ws(projectId);
    if (opts.ifMatch) checkPrecondition(rel, opts.ifMatch, ws.stat(rel)?.stat.isFile() ? await core.observeLocked(projectId, rel) : null);
    const ignores = core.ignores(projectId);
    await keepBaselines(core, projectId, ws.filesUnder(rel), ignores);
    const removed = ws.remove(rel);
    // Also what the index knew below a folder but the disk no longer had.
    const paths = new Set(removed.files);
    if (removed.type === 'dir') for (const r of core.history.indexUnder(projectId, removed.rel)) paths.add(r.path);
    const changes: Change[] = [...paths].map((p) => ({ kind: 'delete', path: p, ignored: ignores.ignores(p) }));
    core.record(projectId, changes, opts);
    return { path: removed.rel, type: removed.type, files: removed.files.length };
  });
}

/**
 * Before files go: those of an imported folder whose content was never
 * stored are stored now, so the deletion can be restored and undone.
 */
async function keepBaselines(core: FilesCore, projectId: string, files: string[], ignores: IgnoreRules): Promise<void> {
  for (const f of files) {
    if (ignores.ignores(f)) continue;
    const idx = core.history.index(projectId, f);
    if (!idx || idx.version !== null || idx.size > core.maxVersioned) continue;
    try {
      await core.observeLocked(projectId, f, { keepBaseline: true });
    } catch {
      // gone or replaced meanwhile: nothing to keep
    }
  }
}

interface Snapshot {
  rel: string;
  sha256: string;
  stat: Stats;
}

/** Moves a file or folder; history continues as a deletion at the old paths and a creation at the new ones. */
export function movePath(core: FilesCore, projectId: string, from: string, to: string, overwrite: boolean, ctx: ChangeContext): Promise<MoveResult> {
  const src = normalizePath(from);
  const dst = normalizePath(to);
  return core.exclusive(projectId, async () => {
    const ws = core.ws(projectId);
    const before: Snapshot[] = [];
    for (const f of ws.filesUnder(src)) {
      const o = await core.observeLocked(projectId, f, { keepBaseline: true });
      before.push({ rel: f, sha256: o.sha256, stat: o.stat });
    }
    const overwritten = ws.lstat(dst) ? ws.filesUnder(dst) : [];
    const moved = ws.move(src, dst, overwrite);
    const ignores = core.ignores(projectId);
    const changes: Change[] = overwritten.filter((p) => !before.some((b) => rebase(b.rel, moved.from, moved.to) === p)).map((p) => ({ kind: 'delete', path: p, ignored: ignores.ignores(p) }));
    for (const b of before) {
      const target = rebase(b.rel, moved.from, moved.to);
      changes.push({ kind: 'delete', path: b.rel, ignored: ignores.ignores(b.rel), origin: `moved to ${target}` });
      const now = ws.stat(target);
      if (!now?.stat.isFile()) continue;
      const ignored = ignores.ignores(target);
      const needBytes = !ignored && now.stat.size <= core.maxVersioned && !core.blobs.has(b.sha256);
      const content = needBytes ? ws.readSmall(target, core.maxVersioned).data : null;
      changes.push({ kind: 'write', path: target, stat: now.stat, sha256: b.sha256, size: now.stat.size, content, ignored, existed: overwritten.includes(target), origin: `moved from ${b.rel}` });
    }
    core.record(projectId, changes, ctx);
    return { from: moved.from, to: moved.to, type: moved.type, files: before.length };
  });
}

const rebase = (rel: string, from: string, to: string) => (rel === from ? to : joinRel(to, rel.slice(from.length + 1)));

/** Copies a file or folder (links as links, when they lead inside); every copied file is a new version at its new path. */
export function copyPath(core: FilesCore, projectId: string, from: string, to: string, overwrite: boolean, ctx: ChangeContext): Promise<MoveResult> {
  const src = normalizePath(from);
  const dst = normalizePath(to);
  if (src === dst || dst.startsWith(`${src}/`)) throw new ZeblitError('INVALID_PATH', `Cannot copy ${src} into itself`);
  return core.exclusive(projectId, async () => {
    const ws = core.ws(projectId);
    const top = ws.lstat(src);
    if (!top) throw new ZeblitError('NOT_FOUND', `File ${src} not found`);
    if (ws.lstat(dst) && !overwrite) throw new ZeblitError('CONFLICT', `${dst} already exists`, { suggestion: 'Pass overwrite: true to replace it.' });
    const entries: { rel: string; type: string }[] = top.isDirectory() ? [] : [{ rel: src, type: top.isSymbolicLink() ? 'symlink' : top.isFile() ? 'file' : 'other' }];
    if (top.isDirectory()) ws.walk(src, (e) => void entries.push({ rel: e.rel, type: e.type }));
    // A link that would lead out refuses the whole copy before anything is written.
    for (const e of entries) if (e.type === 'symlink') ws.checkLinkCopy(e.rel, rebase(e.rel, src, dst));
    if (top.isDirectory()) ws.mkdir(dst);
    let files = 0;
    for (const e of entries) {
      const target = rebase(e.rel, src, dst);
      if (e.type === 'dir') ws.mkdir(target);
      else if (e.type === 'symlink') ws.copyLink(e.rel, target);
      else if (e.type === 'file') {
        await copyFile(core, projectId, e.rel, target, { ...ctx, origin: `copied from ${e.rel}` });
        files++;
      }
    }
    return { from: src, to: dst, type: top.isDirectory() ? 'dir' : top.isSymbolicLink() ? 'symlink' : 'file', files };
  });
}

async function copyFile(core: FilesCore, projectId: string, from: string, to: string, opts: WriteOptions): Promise<void> {
  const ws = core.ws(projectId);
  const f = ws.openRead(from);
  let staged: StagedFile;
  try {
    staged = ws.stage(to, core.maxVersioned);
  } catch (e) {
    f.close();
    throw e;
  }
  try {
    await staged.pipeFrom(createReadStream('', { fd: f.fd, autoClose: false, start: 0 }));
  } catch (e) {
    staged.abort();
    throw e;
  } finally {
    f.close();
  }
  await commitStaged(core, projectId, to, staged, opts);
}
