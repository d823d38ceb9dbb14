/**
 * The backup domain: consistent backups of a home while the daemon runs,
 * automatic database backups before a migration, restore into a stopped
 * home, and the record of which daemon version last opened the home.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HomeVersion, type ZeblitPaths } from '../contracts/index.ts';
import type { OpenedDatabase, SchemaState } from '../db/index.ts';
import { backupName, writeBackup, type Written } from './write.ts';

export { restoreHome, type RestoreOptions } from './restore.ts';
export { writeBackup, backupName, type Written, type WriteOptions } from './write.ts';
export { walkHome, skipped, type HomeEntry } from './walk.ts';

/** Automatic (pre-migration) backups kept per home; older ones are removed. */
export const KEEP_AUTOMATIC = 5;

export interface BackupsOptions {
  paths: ZeblitPaths;
  database: OpenedDatabase;
  version: string;
  now?: () => number;
}

/** The running daemon's backups. */
export class Backups {
  private running = 0;
  private readonly now: () => number;

  constructor(private readonly opts: BackupsOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** True while a backup is being written: the daemon holds off blob pruning meanwhile, so no blob the snapshot names goes missing. */
  get busy(): boolean {
    return this.running > 0;
  }

  /**
   * A full backup into a transient file in the backups folder (the caller
   * sends it and calls `discard`). Written whole before the first byte is
   * sent, so a failure is an error answer, never a truncated download.
   */
  async create(reason: string): Promise<Written> {
    this.running++;
    try {
      const dest = join(this.opts.paths.backups, `.download-${randomBytes(6).toString('hex')}.tar.gz`);
      return await writeBackup({ home: this.opts.paths.home, database: this.opts.database, kind: 'full', reason, dest, version: this.opts.version, now: this.now });
    } finally {
      this.running--;
    }
  }

  discard(written: Written): void {
    rmSync(written.file, { force: true });
  }
}

/** Transient files a previous daemon left in the backups folder (a crash mid-backup). */
export function cleanBackupLeftovers(paths: ZeblitPaths): number {
  if (!existsSync(paths.backups)) return 0;
  let n = 0;
  for (const name of readdirSync(paths.backups)) {
    if (!/^\.(download|snapshot)-|\.partial$/.test(name)) continue;
    rmSync(join(paths.backups, name), { recursive: true, force: true });
    n++;
  }
  return n;
}

/**
 * Before migrating an existing home: its database alone (migrations change
 * nothing else), as a backup `zeblit restore` takes back. Keeps the newest
 * KEEP_AUTOMATIC of them.
 */
export async function backupBeforeMigration(paths: ZeblitPaths, state: SchemaState, version: string, now: () => number = Date.now): Promise<Written> {
  mkdirSync(paths.backups, { recursive: true, mode: 0o700 });
  const written = await writeBackup({
    home: paths.home,
    database: paths.db,
    kind: 'database',
    reason: `before-migration from ${state.current ?? 'none'} to ${state.latest}`,
    dest: join(paths.backups, backupName('auto', now())),
    version,
    now,
  });
  const automatic = readdirSync(paths.backups).filter((n) => /^zeblit-auto-.*\.tar\.gz$/.test(n)).sort();
  for (const old of automatic.slice(0, Math.max(0, automatic.length - KEEP_AUTOMATIC))) rmSync(join(paths.backups, old), { force: true });
  return written;
}

export function readHomeVersion(paths: ZeblitPaths): HomeVersion | null {
  try {
    const r = HomeVersion.safeParse(JSON.parse(readFileSync(paths.homeVersion, 'utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

export function writeHomeVersion(paths: ZeblitPaths, v: HomeVersion): void {
  const tmp = `${paths.homeVersion}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(v, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, paths.homeVersion);
}
