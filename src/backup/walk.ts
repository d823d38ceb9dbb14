/**
 * What of a home goes into a full backup: whatever is there (other domains
 * add folders without telling this one), minus what is rebuilt or must not
 * travel: the live database files (a snapshot is taken instead), the lock and
 * the socket, logs, the CLI's cache, the backups themselves, restore staging, scratch folders
 * of half-done uploads, blob temporaries. Links are recorded as links and
 * never followed; sockets, FIFOs and devices are skipped.
 */
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface HomeEntry {
  /** Relative to the home, with forward slashes. */
  rel: string;
  type: 'file' | 'dir' | 'link';
  size: number;
  mode: number;
  mtime: Date;
  target?: string;
}

const TOP_LEVEL_SKIPPED = new Set(['zeblit.db', 'zeblit.db-wal', 'zeblit.db-shm', 'zeblit.db-journal', 'zeblitd.lock', 'zeblitd.sock', 'logs', 'backups', 'version.json', 'cache']);

/** Whether a path (relative to the home) stays out of a full backup. */
export function skipped(rel: string): boolean {
  const parts = rel.split('/');
  const top = parts[0] ?? '';
  if (parts.length === 1 && (TOP_LEVEL_SKIPPED.has(top) || top.startsWith('.restore-') || /^zeblitd\.lock\..*\.tmp$/.test(top))) return true;
  // projects/<id>/scratch: uploads and deletions in flight.
  if (top === 'projects' && parts.length === 3 && parts[2] === 'scratch') return true;
  if (top === 'blobs' && rel.endsWith('.tmp')) return true;
  return false;
}

/** Every entry to back up, parents before children. `problems` collects what could not be read. */
export function walkHome(home: string, problems: { path: string; reason: string }[]): HomeEntry[] {
  const out: HomeEntry[] = [];
  const visit = (rel: string) => {
    let names: string[];
    try {
      names = readdirSync(rel === '' ? home : join(home, rel)).sort();
    } catch (e) {
      problems.push({ path: rel, reason: (e as NodeJS.ErrnoException).code ?? String(e) });
      return;
    }
    for (const name of names) {
      const r = rel === '' ? name : `${rel}/${name}`;
      if (skipped(r)) continue;
      let st;
      try {
        st = lstatSync(join(home, r));
      } catch {
        continue; // gone meanwhile
      }
      const base = { rel: r, size: 0, mode: st.mode & 0o7777, mtime: st.mtime };
      if (st.isSymbolicLink()) out.push({ ...base, type: 'link', target: readlinkSync(join(home, r)) });
      else if (st.isDirectory()) {
        out.push({ ...base, type: 'dir' });
        visit(r);
      } else if (st.isFile()) out.push({ ...base, type: 'file', size: st.size });
    }
  };
  visit('');
  return out;
}
