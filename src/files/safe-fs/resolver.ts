/**
 * Resolution of workspace paths on disk. Invariant: nothing is opened,
 * created, renamed or removed through a path that leaves the workspace.
 *
 * A process in the container owns the workspace and may plant symbolic links
 * anywhere in it (to /etc, to the host, to another project) and swap a folder
 * for a link at any moment. So every folder is opened one segment at a time,
 * relative to its already-verified parent, with O_NOFOLLOW; a symbolic link is
 * followed only after realpath() shows that its target stays inside, and then
 * by walking that target again the same way. Where /proc/self/fd exists
 * (Linux), later operations address a folder as /proc/self/fd/<fd>/<name>:
 * the kernel resolves that through the open descriptor, not by re-reading the
 * path, which is what openat(2) gives C programs, so a folder swapped for a
 * link after the check is not followed. Every descriptor is re-checked after
 * open (readlink of /proc/self/fd/<fd>, or fstat against lstat elsewhere).
 */
import { closeSync, constants, fchownSync, fstatSync, lchownSync, lstatSync, mkdirSync, openSync, readlinkSync, realpathSync, type Stats } from 'node:fs';
import { ZeblitError } from '../../contracts/index.ts';
import { baseName, joinRel, parentOf, segmentsOf } from '../paths.ts';
import { errno, notAFolder, outside, translateFsError } from './errors.ts';

const O_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const MAX_HOPS = 40;

/** An open, verified folder of the workspace. `at` addresses it for *at-like operations. */
export interface Dir {
  fd: number;
  at: string;
  /** Path relative to the workspace's real root ('' for the root). */
  rel: string;
}

/** The last segment of a path, in its verified folder; `stat` is null when nothing is there. */
export interface Located {
  dir: Dir;
  name: string;
  rel: string;
  stat: Stats | null;
}

let procChecked: boolean | undefined;
/** Whether /proc/self/fd/<fd> names open descriptors here (Linux). */
export function hasProcFd(): boolean {
  if (procChecked !== undefined) return procChecked;
  try {
    const fd = openSync('/', O_DIR);
    try {
      procChecked = readlinkSync(`/proc/self/fd/${fd}`) === '/';
    } finally {
      closeSync(fd);
    }
  } catch {
    procChecked = false;
  }
  return procChecked;
}

export class Resolver {
  readonly realRoot: string;
  readonly proc: boolean;

  constructor(root: string, proc: boolean = hasProcFd()) {
    this.realRoot = realpathSync.native(root);
    this.proc = proc;
  }

  /** The real path of a descriptor's file, checked to lie inside the workspace; returns it relative to the root. */
  verifyFd(fd: number, expectedRel: string): string {
    if (this.proc) {
      const real = readlinkSync(`/proc/self/fd/${fd}`);
      const rel = this.relOf(real);
      if (rel === null) throw outside(expectedRel);
      return rel;
    }
    // No /proc: the descriptor must be the file the checked path names now.
    const a = fstatSync(fd);
    const b = lstatSync(this.absolute(expectedRel), { throwIfNoEntry: false });
    if (!b || a.dev !== b.dev || a.ino !== b.ino) throw outside(expectedRel);
    return expectedRel;
  }

  /** Relative form of an absolute real path, or null when it lies outside. */
  relOf(real: string): string | null {
    if (real === this.realRoot) return '';
    return real.startsWith(`${this.realRoot}/`) ? real.slice(this.realRoot.length + 1) : null;
  }

  absolute(rel: string): string {
    return rel === '' ? this.realRoot : `${this.realRoot}/${rel}`;
  }

  private wrap(fd: number, rel: string): Dir {
    try {
      const real = this.verifyFd(fd, rel);
      return { fd, rel: real, at: this.proc ? `/proc/self/fd/${fd}` : this.absolute(real) };
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  openRoot(): Dir {
    return this.wrap(openSync(this.realRoot, O_DIR), '');
  }

  close(dir: Dir): void {
    try {
      closeSync(dir.fd);
    } catch {
      // already closed
    }
  }

  /**
   * Opens the folder `rel` (a normalised path). `create` makes missing
   * folders, owned like their parent when the daemon runs as root.
   */
  openDir(rel: string, opts: { create?: boolean } = {}, hops = 0): Dir {
    if (hops > MAX_HOPS) throw new ZeblitError('INVALID_PATH', `Invalid path "${rel}": too many symbolic links`);
    let cur = this.openRoot();
    try {
      for (const seg of segmentsOf(rel)) {
        const next = this.step(cur, seg, rel, opts.create ?? false, hops);
        this.close(cur);
        cur = next;
      }
      return cur;
    } catch (e) {
      this.close(cur);
      translateFsError(e, rel);
    }
  }

  private step(cur: Dir, seg: string, rel: string, create: boolean, hops: number): Dir {
    const path = `${cur.at}/${seg}`;
    for (let attempt = 0; ; attempt++) {
      try {
        return this.wrap(openSync(path, O_DIR), joinRel(cur.rel, seg));
      } catch (e) {
        const code = errno(e);
        if (code === 'ENOENT' && create && attempt < 2) {
          try {
            mkdirSync(path, 0o755);
            adoptOwner(cur.fd, path);
          } catch (m) {
            if (errno(m) !== 'EEXIST') throw m;
          }
          continue;
        }
        if (code === 'ELOOP' || code === 'ENOTDIR') {
          const st = lstatSync(path, { throwIfNoEntry: false });
          if (st?.isSymbolicLink()) return this.openDir(this.followLink(cur, seg, rel), { create: false }, hops + 1);
          throw notAFolder(rel);
        }
        throw e;
      }
    }
  }

  /** Where a symbolic link inside a verified folder leads, relative to the root; refused when outside or dangling. */
  followLink(dir: Dir, name: string, rel: string): string {
    let target: string;
    try {
      target = realpathSync.native(`${dir.at}/${name}`);
    } catch (e) {
      if (errno(e) === 'ENOENT') {
        // A dangling link may point anywhere, outside included: it is never written through.
        throw new ZeblitError('INVALID_PATH', `Invalid path "${rel}": a symbolic link whose target does not exist`);
      }
      throw e;
    }
    const targetRel = this.relOf(target);
    if (targetRel === null) throw outside(rel);
    return targetRel;
  }

  /**
   * The last segment of `rel` in its verified folder. `follow` follows a final
   * symbolic link that stays inside (reads, writes); without it the link itself
   * is the answer (delete, move). The caller closes `dir`.
   */
  locate(rel: string, opts: { createParents?: boolean; follow?: boolean } = {}, hops = 0): Located {
    if (hops > MAX_HOPS) throw new ZeblitError('INVALID_PATH', `Invalid path "${rel}": too many symbolic links`);
    if (rel === '') {
      const dir = this.openRoot();
      return { dir, name: '', rel: '', stat: fstatSync(dir.fd) };
    }
    const dir = this.openDir(parentOf(rel), { create: opts.createParents });
    const name = baseName(rel);
    try {
      const stat = lstatSync(`${dir.at}/${name}`, { throwIfNoEntry: false }) ?? null;
      if (stat?.isSymbolicLink() && opts.follow) {
        const target = this.followLink(dir, name, rel);
        this.close(dir);
        return this.locate(target, { follow: true }, hops + 1);
      }
      return { dir, name, rel: joinRel(dir.rel, name), stat };
    } catch (e) {
      this.close(dir);
      translateFsError(e, rel);
    }
  }
}

/** When the daemon runs as root, what it creates belongs to the owner of the folder it is in (the container's user). */
export function adoptOwner(parentFd: number, path: string, fd?: number): void {
  if (process.getuid?.() !== 0) return;
  const owner = fstatSync(parentFd);
  if (owner.uid === 0 && owner.gid === 0) return;
  try {
    if (fd !== undefined) fchownSync(fd, owner.uid, owner.gid);
    else lchownSync(path, owner.uid, owner.gid);
  } catch {
    // best effort: the file exists either way
  }
}

