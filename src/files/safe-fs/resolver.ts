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
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, lchownSync, lstatSync, mkdirSync, openSync, readlinkSync, realpathSync, renameSync, rmdirSync, rmSync, symlinkSync, type Stats } from 'node:fs';
import { ZeblitError } from '../../contracts/index.ts';
import { baseName, joinRel, parentOf, segmentsOf } from '../paths.ts';
import { errno, notAFolder, outside, translateFsError } from './errors.ts';
import { chownFolder, ownerToAdopt, type Owner } from './ownership.ts';
import { TEMP_PREFIX } from './staged.ts';

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

  /**
   * `staging`: the path of a folder on the workspace's file system that the
   * container cannot see (created on demand), where a root daemon makes new
   * folders and links and gives them their owner before they appear in the
   * workspace. Without it (or on another file system) they are made in place.
   */
  constructor(
    root: string,
    proc: boolean = hasProcFd(),
    private readonly staging?: () => string,
  ) {
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
            this.makeDir(cur, seg);
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
   * Creates the folder `seg` in `parent` (EEXIST when something is there).
   * As root, the folder must belong to the parent's owner from the moment
   * the container can see it: made in place, a process in the container
   * could move it aside between mkdir and chown and keep a root-owned
   * folder. So it is made in the staging folder, given its owner through
   * its own descriptor there, and renamed into place.
   */
  private makeDir(parent: Dir, seg: string): void {
    const path = `${parent.at}/${seg}`;
    const owner = ownerToAdopt(parent.fd);
    if (!owner) return void mkdirSync(path, 0o755);
    const staged = this.stagedName();
    if (staged) {
      mkdirSync(staged, 0o755);
      try {
        chownFolder(staged, owner);
        // rename(2) would replace an empty folder made there meanwhile: use that one instead, as mkdir would.
        if (lstatSync(path, { throwIfNoEntry: false })) throw Object.assign(new Error(`${seg} exists`), { code: 'EEXIST' });
        renameSync(staged, path);
        return;
      } catch (e) {
        rmdirSync(staged);
        const code = errno(e);
        if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR') throw Object.assign(new Error(`${seg} exists`), { code: 'EEXIST' });
        if (code !== 'EXDEV') throw e;
      }
    }
    // No staging folder on this file system: made in place, its owner set through a descriptor opened on it without following links.
    mkdirSync(path, 0o755);
    chownFolder(path, owner, true);
  }

  /**
   * Creates the link `name` → `target` in `dir`, replacing a file or link
   * there (a folder: EISDIR). As root, it is made in the staging folder and
   * given the folder's owner there (lchown, on a path no one else can
   * reach), then renamed into place: never root's in the workspace.
   */
  makeLink(dir: Dir, name: string, target: string): void {
    const path = `${dir.at}/${name}`;
    const owner = ownerToAdopt(dir.fd);
    const staged = owner ? this.stagedName() : null;
    if (owner && staged) {
      symlinkSync(target, staged);
      try {
        lchownQuietly(staged, owner);
        renameSync(staged, path);
        return;
      } catch (e) {
        rmSync(staged, { force: true });
        if (errno(e) !== 'EXDEV') throw e;
      }
    }
    // In place: beside the target under a temporary name, then one rename (lchown never follows the link it is given).
    const tmp = `${dir.at}/${TEMP_PREFIX}${randomBytes(9).toString('base64url')}`;
    symlinkSync(target, tmp);
    try {
      if (owner) lchownQuietly(tmp, owner);
      renameSync(tmp, path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    }
  }

  /** A fresh name in the staging folder, or null without one. */
  private stagedName(): string | null {
    const dir = this.staging?.();
    return dir ? `${dir}/${randomBytes(9).toString('base64url')}` : null;
  }

  /**
   * Whether a link with the text `target`, in the folder whose real path is
   * `base` (it may not exist yet), leads inside the workspace. The target is
   * walked as the kernel would walk it: `..` goes to the parent of where the
   * walk is (a real path), a link on the way is resolved with realpath. A
   * dangling link on the way may lead anywhere: refused. From the first name
   * that does not exist on, the rest may not climb with `..` (what will be
   * there is unknown); it stays below what exists.
   */
  leadsInside(base: string, target: string): boolean {
    let cur = target.startsWith('/') ? '' : base;
    let missing = false;
    for (const part of target.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (missing) return false;
        cur = cur.slice(0, cur.lastIndexOf('/'));
        continue;
      }
      cur = `${cur}/${part}`;
      if (missing) continue;
      let st: Stats | undefined;
      try {
        st = lstatSync(cur, { throwIfNoEntry: false });
      } catch (e) {
        if (errno(e) !== 'ENOTDIR') throw e;
      }
      if (!st) missing = true;
      else if (st.isSymbolicLink()) {
        try {
          cur = realpathSync.native(cur);
        } catch {
          return false;
        }
      }
    }
    return this.relOf(cur === '' ? '/' : cur) !== null;
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

function lchownQuietly(path: string, owner: Owner): void {
  try {
    lchownSync(path, owner.uid, owner.gid);
  } catch {
    // as giveTo in ownership.ts: the link exists either way
  }
}
