/**
 * Restoring a backup into a stopped home (the caller holds the home's lock).
 * Invariants: the home does not change until the whole archive has been
 * unpacked into a staging folder inside it and verified (every file's size
 * and sha256 against the manifest, nothing missing, nothing extra, the
 * database's integrity_check, a schema this build knows); what the restore
 * replaces is moved aside into backups/before-restore-…, never deleted.
 * Unpacking is as careful as an upload's: names are relative and without
 * `..`; links are created only after every file, and no entry may sit under
 * a link, so nothing is ever written through one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, constants, createReadStream, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, write } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BackupHeader,
  BackupManifest,
  ZeblitError,
  type RestoreResult,
} from '../contracts/index.ts';
import { defaultMigrationsFolder, integrityProblems, schemaState } from '../db/index.ts';
import { skipped } from './walk.ts';
import { backupName } from './write.ts';

const writeAsync = promisify(write);

export interface RestoreOptions {
  home: string;
  archive: string;
  /** Replace a home that has data (it is moved aside, not deleted). */
  force: boolean;
  backupsDir: string;
  now?: () => number;
  migrationsFolder?: string;
}

const invalid = (why: string) => new ZeblitError('VALIDATION_FAILED', `Not a usable Zeblit backup: ${why}; nothing was restored`, { suggestion: 'Restore a file made by `zeblit backup` (or one from $ZEBLIT_HOME/backups).' });

/** The entry's path inside the home, or a refusal. */
function relOf(name: string): string {
  const rel = name.slice('home/'.length).replace(/\/+$/, '');
  const parts = rel.split('/');
  if (rel === '' || rel.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..')) throw invalid(`the member "${name}" has an unsafe name`);
  if (rel !== 'zeblit.db' && skipped(rel)) throw invalid(`the member "${name}" is not something a backup holds`);
  return rel;
}

/** What a restore of `kind` replaces in the home: the database alone, or everything but logs, backups, the lock and the CLI's cache (its own, rebuilt as it goes). */
function replaced(home: string, kind: 'full' | 'database'): string[] {
  if (!existsSync(home)) return [];
  const names = readdirSync(home);
  if (kind === 'database') return names.filter((n) => /^zeblit\.db(-wal|-shm|-journal)?$/.test(n));
  return names.filter((n) => !['backups', 'logs', 'cache', 'zeblitd.lock', 'zeblitd.sock'].includes(n) && !n.startsWith('.restore-'));
}

export async function restoreHome(opts: RestoreOptions): Promise<RestoreResult> {
  const now = opts.now ?? Date.now;
  if (!existsSync(opts.archive) || !statSync(opts.archive).isFile())
    throw new ZeblitError('NOT_FOUND', `No backup file at ${opts.archive}`, { suggestion: 'Give the path of a file made by `zeblit backup`.' });
  mkdirSync(opts.home, { recursive: true, mode: 0o700 });
  const staging = join(opts.home, `.restore-${randomBytes(6).toString('hex')}`);
  mkdirSync(staging, { mode: 0o700 });
  try {
    let header: BackupHeader | null = null;
    let manifest: BackupManifest | null = null;
    const got = new Map<string, { size: number; sha256: string }>();
    const dirs = new Map<string, number>();
    const links: { path: string; target: string }[] = [];

    const extract = tar.extract();
    const feeding = pipeline(createReadStream(opts.archive), createGunzip(), extract);
    let feedError: unknown = null;
    feeding.catch((e: unknown) => (feedError = e));
    try {
      for await (const entry of extract) {
        const h = entry.header;
        const json = async () => {
          const chunks: Buffer[] = [];
          let n = 0;
          for await (const c of entry) {
            n += (c as Buffer).length;
            if (n > 256 << 20) throw invalid(`${h.name} is too large`);
            chunks.push(c as Buffer);
          }
          try {
            return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
          } catch {
            throw invalid(`${h.name} is not JSON`);
          }
        };
        if (header === null) {
          if (h.name !== 'zeblit-backup.json') throw invalid('it does not start with zeblit-backup.json');
          const parsed = BackupHeader.safeParse(await json());
          if (!parsed.success || parsed.data.format !== BACKUP_FORMAT) throw invalid('zeblit-backup.json is not a Zeblit backup header');
          if (parsed.data.format_version > BACKUP_FORMAT_VERSION)
            throw new ZeblitError('VALIDATION_FAILED', `The backup is in format ${parsed.data.format_version}, made by zeblit ${parsed.data.zeblit_version}; this zeblit reads format ${BACKUP_FORMAT_VERSION}`, { suggestion: 'Restore it with that zeblit version or newer.' });
          header = parsed.data;
          const toReplace = replaced(opts.home, header.kind).filter((n) => n !== staging.split('/').pop());
          if (toReplace.length > 0 && !opts.force)
            throw new ZeblitError('CONFLICT', `${opts.home} already has data (${toReplace.slice(0, 5).join(', ')}${toReplace.length > 5 ? ', …' : ''}); nothing was restored`, {
              suggestion: 'Pass --force to replace it: what is there now is moved to $ZEBLIT_HOME/backups/before-restore-…, not deleted.',
            });
          continue;
        }
        if (manifest !== null) throw invalid(`${h.name} comes after manifest.json`);
        if (h.name === 'manifest.json') {
          const parsed = BackupManifest.safeParse(await json());
          if (!parsed.success) throw invalid('manifest.json does not describe a backup');
          manifest = parsed.data;
          continue;
        }
        if (!h.name.startsWith('home/')) throw invalid(`unexpected member "${h.name}"`);
        const rel = relOf(h.name);
        if (h.type === 'directory') {
          mkdirSync(join(staging, rel), { recursive: true, mode: 0o700 });
          dirs.set(rel, (h.mode ?? 0o755) & 0o7777);
          entry.resume();
        } else if (h.type === 'symlink') {
          links.push({ path: rel, target: h.linkname ?? '' });
          entry.resume();
        } else if (h.type === 'file' || h.type === 'contiguous-file') {
          if (got.has(rel)) throw invalid(`${rel} appears twice`);
          const slash = rel.lastIndexOf('/');
          if (slash > 0) mkdirSync(join(staging, rel.slice(0, slash)), { recursive: true, mode: 0o700 });
          // Nothing is a link yet inside staging, and O_NOFOLLOW|O_EXCL refuses anything already there.
          const fd = openSync(join(staging, rel), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
          const hash = createHash('sha256');
          let size = 0;
          try {
            for await (const chunk of entry) {
              const b = chunk as Buffer;
              hash.update(b);
              size += b.length;
              let off = 0;
              while (off < b.length) off += (await writeAsync(fd, b, off, b.length - off)).bytesWritten;
            }
          } finally {
            closeSync(fd);
          }
          chmodSync(join(staging, rel), (h.mode ?? 0o600) & 0o777);
          got.set(rel, { size, sha256: hash.digest('hex') });
        } else throw invalid(`the member "${h.name}" is a ${h.type}, which a backup never holds`);
      }
      await feeding;
    } catch (e) {
      if (e instanceof ZeblitError) throw e;
      throw invalid(`it cannot be read (${(feedError as Error | null)?.message ?? (e as Error).message})`);
    }

    // Verification: before anything in the home changes.
    if (!header) throw invalid('it is empty');
    const linkPaths = new Set(links.map((l) => l.path));
    for (const p of [...got.keys(), ...dirs.keys(), ...linkPaths]) {
      for (let at = p.indexOf('/'); at > 0; at = p.indexOf('/', at + 1))
        if (linkPaths.has(p.slice(0, at))) throw invalid(`${p} sits under the link ${p.slice(0, at)}`);
    }
    if (!manifest) throw invalid('manifest.json is missing (the file is cut short?)');
    if (manifest.kind !== header.kind) throw invalid('the manifest and the header disagree');
    for (const f of manifest.files) {
      const g = got.get(f.path);
      if (!g) throw invalid(`${f.path} is listed but missing`);
      if (g.size !== f.size || g.sha256 !== f.sha256) throw invalid(`${f.path} does not match its checksum (damaged)`);
    }
    if (got.size !== manifest.files.length) throw invalid(`it holds files the manifest does not list`);
    if (!got.has('zeblit.db')) throw invalid('it holds no database');
    const db = join(staging, 'zeblit.db');
    const problems = integrityProblems(db);
    if (problems.length > 0) throw invalid(`its database fails integrity_check (${problems.slice(0, 3).join('; ')})`);
    const state = schemaState(db, opts.migrationsFolder ?? defaultMigrationsFolder());
    if (state.unknown > 0)
      throw new ZeblitError('CONFLICT', `The backup's database was migrated by a newer zeblitd (${header.zeblit_version}); this one cannot run it; nothing was restored`, {
        suggestion: `Install zeblit ${header.zeblit_version} or newer, then restore.`,
      });

    for (const l of links) {
      const slash = l.path.lastIndexOf('/');
      if (slash > 0) mkdirSync(join(staging, l.path.slice(0, slash)), { recursive: true, mode: 0o700 });
      try {
        symlinkSync(l.target, join(staging, l.path));
      } catch {
        throw invalid(`the link ${l.path} collides with another member`);
      }
    }
    // Deepest first, so a read-only folder is made read-only after what is inside it.
    for (const [rel, mode] of [...dirs].sort((a, b) => b[0].length - a[0].length)) chmodSync(join(staging, rel), mode);

    // The swap: what is there moves aside (same file system: renames), then the restored home moves in.
    const outgoing = replaced(opts.home, header.kind).filter((n) => join(opts.home, n) !== staging);
    let previous: string | null = null;
    if (outgoing.length > 0) {
      mkdirSync(opts.backupsDir, { recursive: true, mode: 0o700 });
      previous = join(opts.backupsDir, backupName('before-restore', now()).replace(/\.tar\.gz$/, ''));
      mkdirSync(previous, { mode: 0o700 });
      for (const n of outgoing) renameSync(join(opts.home, n), join(previous, n));
    }
    for (const n of readdirSync(staging)) renameSync(join(staging, n), join(opts.home, n));
    return {
      archive: opts.archive,
      kind: header.kind,
      home: opts.home,
      created_at: header.created_at,
      zeblit_version: header.zeblit_version,
      schema: { current: state.current, migrations: state.applied },
      files: got.size,
      bytes: [...got.values()].reduce((n, f) => n + f.size, 0),
      previous,
    };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
