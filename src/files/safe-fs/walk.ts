/**
 * Depth-first listing of a workspace folder that never follows a symbolic
 * link: each sub-folder is opened with O_NOFOLLOW relative to its parent's
 * descriptor, so a folder swapped for a link mid-walk is skipped, not entered.
 */
import { closeSync, constants, lstatSync, openSync, readdirSync, type Stats } from 'node:fs';
import type { FileType } from '../../contracts/index.ts';
import { joinRel } from '../paths.ts';
import type { Dir, Resolver } from './resolver.ts';

export interface WalkEntry {
  rel: string;
  name: string;
  type: FileType;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  /** 1 for the entries of the starting folder. */
  depth: number;
}

/** What the visitor answers for a folder: false = do not go inside. */
export type Visitor = (entry: WalkEntry) => boolean | void;

export const typeOf = (st: Stats): FileType => (st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other');

const O_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

export interface WalkOptions {
  maxDepth?: number;
  /** Stop the whole walk (entry caps). */
  stop?: () => boolean;
}

/** Walks the verified folder `dir` (closed by the caller); entries are visited sorted by name. */
export function walkDir(resolver: Resolver, dir: Dir, visit: Visitor, opts: WalkOptions = {}): void {
  const maxDepth = opts.maxDepth ?? Infinity;
  const inner = (d: Dir, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(d.at);
    } catch {
      return; // vanished or unreadable: nothing to list
    }
    names.sort();
    for (const name of names) {
      if (opts.stop?.()) return;
      const path = `${d.at}/${name}`;
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (!st) continue;
      const entry: WalkEntry = { rel: joinRel(d.rel, name), name, type: typeOf(st), size: st.isFile() ? st.size : 0, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, depth };
      const descend = visit(entry) !== false;
      if (entry.type !== 'dir' || !descend || depth >= maxDepth) continue;
      let fd: number;
      try {
        fd = openSync(path, O_DIR);
      } catch {
        continue; // replaced by a link or a file since lstat: not entered
      }
      try {
        const child: Dir = resolver.proc ? { fd, at: `/proc/self/fd/${fd}`, rel: entry.rel } : { fd, at: resolver.absolute(entry.rel), rel: entry.rel };
        inner(child, depth + 1);
      } finally {
        closeSync(fd);
      }
    }
  };
  inner(dir, 1);
}
