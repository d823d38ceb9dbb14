/**
 * Depth-first listing of a workspace folder that never follows a symbolic
 * link: each sub-folder is opened with O_NOFOLLOW relative to its parent's
 * descriptor, so a folder swapped for a link mid-walk is skipped, not entered.
 */
import { closeSync, constants, lstatSync, openSync, readdirSync, type Stats } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
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

/**
 * Where the walk stats names. With /proc (Linux), `/proc/self/fd/<fd>/<name>`
 * is safe but costs the kernel a /proc lookup per name, a third of a large
 * tree listing. So on the main thread the walk makes each verified folder the
 * process's working directory (chdir through its descriptor: the folder
 * itself, not its path) and stats the bare name: the kernel resolves it in
 * that folder, which is fstatat(2), the call Node lacks. Safe because the
 * walk is synchronous (no other JavaScript runs until it restores the working
 * directory) and every path elsewhere in the daemon is absolute; not in
 * workers (chdir is process-wide and they may not call it), not nested, and
 * not when the working directory cannot be restored.
 */
let walking = false;
const canChdir = (proc: boolean) => proc && isMainThread && !walking;

/** Walks the verified folder `dir` (closed by the caller); entries are visited sorted by name. */
export function walkDir(resolver: Resolver, dir: Dir, visit: Visitor, opts: WalkOptions = {}): void {
  const maxDepth = opts.maxDepth ?? Infinity;
  let home: string | null = null;
  if (canChdir(resolver.proc)) {
    try {
      home = process.cwd();
    } catch {
      home = null; // the working directory was removed: stat by /proc paths instead
    }
  }
  const chdir = home !== null;
  const inner = (d: Dir, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(d.at);
      if (chdir) process.chdir(d.at);
    } catch {
      return; // vanished or unreadable: nothing to list
    }
    names.sort();
    for (const name of names) {
      if (opts.stop?.()) return;
      const st = lstatSync(chdir ? name : `${d.at}/${name}`, { throwIfNoEntry: false });
      if (!st) continue;
      const entry: WalkEntry = { rel: joinRel(d.rel, name), name, type: typeOf(st), size: st.isFile() ? st.size : 0, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, depth };
      const descend = visit(entry) !== false;
      if (entry.type !== 'dir' || !descend || depth >= maxDepth) continue;
      let fd: number;
      try {
        fd = openSync(chdir ? name : `${d.at}/${name}`, O_DIR);
      } catch {
        continue; // replaced by a link or a file since lstat: not entered
      }
      try {
        const child: Dir = resolver.proc ? { fd, at: `/proc/self/fd/${fd}`, rel: entry.rel } : { fd, at: resolver.absolute(entry.rel), rel: entry.rel };
        inner(child, depth + 1);
      } finally {
        if (chdir) process.chdir(d.at); // back into this folder, through its descriptor again
        closeSync(fd);
      }
    }
  };
  if (!chdir) return inner(dir, 1);
  walking = true;
  try {
    inner(dir, 1);
  } finally {
    walking = false;
    try {
      process.chdir(home as string);
    } catch {
      process.chdir('/'); // the old working directory went away meanwhile: never stay in a workspace
    }
  }
}
