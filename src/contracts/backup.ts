/**
 * A backup is a tar.gz: `zeblit-backup.json` first (what it is, so a restore
 * can refuse a stranger at once), then the home's files under `home/`, then
 * `manifest.json` last (every file with its size and sha256, written once
 * they are all read, so the archive streams in one pass). Restore checks
 * every file against the manifest before anything in the home changes.
 */
import { z } from 'zod';

export const BACKUP_FORMAT = 'zeblit-backup';
export const BACKUP_FORMAT_VERSION = 1;

export const BackupKind = z.enum(['full', 'database']).describe('full: the database, blobs, workspaces, secret and config; database: the database alone (taken before a migration)');
export type BackupKind = z.infer<typeof BackupKind>;

export const BackupHeader = z.object({
  format: z.literal(BACKUP_FORMAT),
  format_version: z.number().int(),
  kind: BackupKind,
  created_at: z.number().int(),
  zeblit_version: z.string(),
  /** Why it was made: `api`, `before-migration`, … */
  reason: z.string(),
});
export type BackupHeader = z.infer<typeof BackupHeader>;

export const BackupFile = z.object({
  /** Relative to the home, with forward slashes. */
  path: z.string(),
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  mode: z.number().int(),
});
export type BackupFile = z.infer<typeof BackupFile>;

export const BackupManifest = BackupHeader.extend({
  /** The database's schema: the newest migration applied and how many there are. */
  schema: z.object({ current: z.string().nullable(), migrations: z.number().int() }),
  files: z.array(BackupFile),
  /** Folders, so empty ones come back too. */
  dirs: z.array(z.string()),
  /** Symbolic links, kept as links (a folder project's files are not copied: only where they are). */
  links: z.array(z.object({ path: z.string(), target: z.string() })),
  bytes: z.number().int().min(0),
});
export type BackupManifest = z.infer<typeof BackupManifest>;

/** What a restore did. */
export const RestoreResult = z.object({
  archive: z.string(),
  kind: BackupKind,
  home: z.string(),
  created_at: z.number().int(),
  zeblit_version: z.string(),
  schema: z.object({ current: z.string().nullable(), migrations: z.number().int() }),
  files: z.number().int(),
  bytes: z.number().int(),
  /** Where what the restore replaced was moved (inside the home's backups folder), or null when the home was empty. */
  previous: z.string().nullable(),
});
export type RestoreResult = z.infer<typeof RestoreResult>;

/** The daemon version and schema that last opened a home ($ZEBLIT_HOME/version.json). */
export const HomeVersion = z.object({
  daemon_version: z.string(),
  schema: z.string().nullable(),
  migrations: z.number().int(),
  opened_at: z.number().int(),
});
export type HomeVersion = z.infer<typeof HomeVersion>;
