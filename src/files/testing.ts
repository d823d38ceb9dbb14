/** Helpers for the files tests: a real database, bus and project in a throwaway home. */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Auth } from '../auth/index.ts';
import { zeblitPaths, type Project, type ZeblitEvent, type ZeblitPaths } from '../contracts/index.ts';
import { openDatabase, type OpenedDatabase } from '../db/index.ts';
import { EventBus } from '../events/index.ts';
import { Projects } from '../projects/index.ts';
import { FileService, type FileServiceDeps, type FileServiceOptions } from './index.ts';

export interface FilesFixture {
  home: string;
  paths: ZeblitPaths;
  database: OpenedDatabase;
  bus: EventBus;
  projects: Projects;
  ownerId: string;
  files: FileService;
  events: ZeblitEvent[];
  project(name?: string): Project;
  close(): void;
}

export function filesFixture(opts: FileServiceOptions = {}, deps: FileServiceDeps = {}): FilesFixture {
  const home = mkdtempSync(join(tmpdir(), 'zbl-files-'));
  const paths = zeblitPaths({ ZEBLIT_HOME: home });
  const database = openDatabase(paths.db);
  const auth = Auth.fromSecretFile(database.db, paths.secret);
  const ownerId = auth.users.ensureOwner('owner').id;
  const projects = new Projects(database.db, paths);
  const bus = new EventBus(database.db);
  const events: ZeblitEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const files = new FileService(database.db, bus, paths, { workspaceOf: (id) => projects.workspaceOf(id), ...opts }, deps);
  let n = 0;
  return {
    home,
    paths,
    database,
    bus,
    projects,
    ownerId,
    files,
    events,
    project: (name = `p${++n}`) => projects.create(ownerId, { name }),
    close() {
      files.close();
      database.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface EntryState {
  type: string;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  /** Files only: a read through the API would move it (see canaryFolder). */
  atimeMs: number | null;
}

/** Everything below `dir`, by lstat: what was written, changed or read shows as a difference. */
export function snapshot(dir: string): Record<string, EntryState> {
  const out: Record<string, EntryState> = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      const key = rel ? `${rel}/${name}` : name;
      out[key] = { type: st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : 'file', size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.isDirectory() ? 0 : st.ctimeMs, atimeMs: st.isFile() ? st.atimeMs : null };
      if (st.isDirectory()) walk(p, key);
    }
  };
  walk(dir, '');
  return out;
}

/**
 * A folder outside any workspace with canary files whose access time is set
 * well before their modification time, so that any read of them (even on a
 * relatime mount) moves the access time and shows in snapshot().
 */
export function canaryFolder(base: string, name = 'outside'): { dir: string; canary: string } {
  const dir = join(base, name);
  mkdirSync(join(dir, 'sub'), { recursive: true });
  const canary = join(dir, 'canary.txt');
  for (const f of [canary, join(dir, 'sub', 'deep.txt')]) {
    writeFileSync(f, 'SECRET CANARY\n');
    const now = Date.now() / 1000;
    utimesSync(f, now - 7200, now - 60);
  }
  return { dir, canary };
}
