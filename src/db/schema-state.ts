/**
 * Where a database file stands against the migrations this build ships.
 * drizzle applies a migration when its journal time is newer than the newest
 * one recorded, so a home a NEWER daemon migrated would look up to date to an
 * older one, which would then run on a schema it does not know. Invariant:
 * a database holding a migration this build does not ship is never opened
 * for use (SchemaTooNewError), and the caller learns of pending migrations
 * before any is applied (to back the database up first).
 */
import type Database from 'better-sqlite3';
import { openSqlite } from './sqlite.ts';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ShippedMigration {
  tag: string;
  /** The journal's time: drizzle's order. */
  when: number;
  /** sha256 of the SQL file, as drizzle records it. */
  hash: string;
}

export interface SchemaState {
  /** The file exists and at least one migration was applied: not a new home. */
  existing: boolean;
  /** Migrations recorded in the database. */
  applied: number;
  /** The newest recorded migration this build knows, or null. */
  current: string | null;
  /** Migrations this build would apply now, oldest first. */
  pending: string[];
  /** Recorded migrations this build does not ship: a newer daemon made them. */
  unknown: number;
  /** The newest migration this build ships. */
  latest: string;
}

export class SchemaTooNewError extends Error {
  constructor(readonly state: SchemaState) {
    super(
      `the database was migrated by a newer zeblitd: ${state.unknown} of its ${state.applied} migrations are unknown to this build (its newest is ${state.latest})`,
    );
    this.name = 'SchemaTooNewError';
  }
}

export function shippedMigrations(folder: string): ShippedMigration[] {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string; when: number }[] };
  const files = readMigrationFiles({ migrationsFolder: folder });
  return journal.entries.map((e, i) => ({ tag: e.tag, when: e.when, hash: files[i]?.hash ?? '' }));
}

/** Reads the recorded migrations of an open connection (none when the table does not exist yet). */
export function stateOf(sqlite: Database.Database, shipped: ShippedMigration[]): SchemaState {
  const latest = shipped.at(-1)?.tag ?? '';
  const hasTable = sqlite.prepare("select 1 from sqlite_master where type = 'table' and name = '__drizzle_migrations'").get() !== undefined;
  const rows = hasTable ? (sqlite.prepare('select hash, created_at from __drizzle_migrations').all() as { hash: string; created_at: number | string }[]) : [];
  const known = new Map(shipped.map((m) => [m.hash, m]));
  const newestShipped = shipped.at(-1)?.when ?? 0;
  // A migration is unknown when its SQL is not ours, or when it is newer than all of ours (drizzle would skip everything then).
  const unknown = rows.filter((r) => !known.has(r.hash) || Number(r.created_at) > newestShipped).length;
  const lastApplied = rows.reduce((max, r) => Math.max(max, Number(r.created_at)), -Infinity);
  const current = rows.length === 0 ? null : ([...shipped].reverse().find((m) => m.when <= lastApplied)?.tag ?? null);
  return {
    existing: rows.length > 0,
    applied: rows.length,
    current,
    pending: shipped.filter((m) => m.when > lastApplied).map((m) => m.tag),
    unknown,
    latest,
  };
}

/** The state of a database file without changing it (a missing file is a new home). */
export function schemaState(file: string, folder: string): SchemaState {
  const shipped = shippedMigrations(folder);
  if (!existsSync(file)) return { existing: false, applied: 0, current: null, pending: shipped.map((m) => m.tag), unknown: 0, latest: shipped.at(-1)?.tag ?? '' };
  const sqlite = openSqlite(file, { fileMustExist: true });
  try {
    sqlite.pragma('busy_timeout = 5000');
    return stateOf(sqlite, shipped);
  } finally {
    sqlite.close();
  }
}

/** `PRAGMA integrity_check` of a database file: [] when it is sound, else SQLite's complaints. */
export function integrityProblems(file: string): string[] {
  const sqlite = openSqlite(file, { readonly: true, fileMustExist: true });
  try {
    const rows = sqlite.pragma('integrity_check') as { integrity_check: string }[];
    const msgs = rows.map((r) => r.integrity_check);
    return msgs.length === 1 && msgs[0] === 'ok' ? [] : msgs;
  } finally {
    sqlite.close();
  }
}

/**
 * A consistent copy of a live database with SQLite's online backup API: the
 * writer is never blocked for long, and the copy is one point in time.
 */
export async function snapshotDatabase(source: string | Database.Database, dest: string): Promise<void> {
  const sqlite = typeof source === 'string' ? openSqlite(source, { fileMustExist: true }) : source;
  try {
    await sqlite.backup(dest);
  } finally {
    if (typeof source === 'string') sqlite.close();
  }
}
