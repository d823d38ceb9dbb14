/**
 * The one place that opens SQLite. Invariant: a database handed out by
 * openDatabase() is in WAL mode with foreign keys on and fully migrated;
 * migrations run in one transaction each, so a crash mid-upgrade leaves the
 * previous schema intact and the next start tries again. A database a newer
 * build migrated is refused (SchemaTooNewError), never run on.
 */
import type Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { SchemaTooNewError, shippedMigrations, stateOf } from './schema-state.ts';
import { openSqlite } from './sqlite.ts';

export { SchemaTooNewError, integrityProblems, schemaState, snapshotDatabase, type SchemaState } from './schema-state.ts';

export type Db = BetterSQLite3Database;

export interface OpenedDatabase {
  db: Db;
  sqlite: Database.Database;
  /** True when the file is readable, writable and answers a query. */
  ping(): boolean;
  close(): void;
}

export interface OpenOptions {
  migrationsFolder?: string;
  busyTimeoutMs?: number;
}

/** Migrations sit next to this module in the source tree and next to the bundle in dist/. */
export function defaultMigrationsFolder(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'migrations'), join(here, '..', 'src', 'db', 'migrations')];
  const found = candidates.find((p) => existsSync(join(p, 'meta', '_journal.json')));
  if (!found) throw new Error(`database migrations not found (looked in ${candidates.join(', ')})`);
  return found;
}

export function openDatabase(file: string, options: OpenOptions = {}): OpenedDatabase {
  if (file !== ':memory:' && !file.startsWith('file:')) {
    // Owner-only: it holds sealed provider keys, hashed API keys, everyone's history. SQLite gives -wal and -shm the database file's mode.
    closeSync(openSync(file, 'a', 0o600));
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
  }
  const sqlite = openSqlite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  sqlite.pragma('synchronous = NORMAL');
  const db = drizzle(sqlite);
  const migrationsFolder = options.migrationsFolder ?? defaultMigrationsFolder();
  const state = stateOf(sqlite, shippedMigrations(migrationsFolder));
  if (state.unknown > 0) {
    sqlite.close();
    throw new SchemaTooNewError(state);
  }
  migrate(db, { migrationsFolder });
  let closed = false;
  return {
    db,
    sqlite,
    ping() {
      if (closed) return false;
      try {
        return sqlite.prepare('select 1 as ok').get() !== undefined;
      } catch {
        return false;
      }
    },
    close() {
      if (closed) return;
      closed = true;
      sqlite.close();
    },
  };
}
