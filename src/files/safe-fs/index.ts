/**
 * The only way the files domain touches a workspace. Every operation goes
 * through the Resolver (see resolver.ts for the symlink and TOCTOU defence).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, lutimesSync, mkdirSync, openSync, readSync, renameSync, rmdirSync, rmSync, readlinkSync, unlinkSync, type Stats } from 'node:fs';
import { ZeblitError } from '../../contracts/index.ts';
import { baseName, isWithin, parentOf } from '../paths.ts';
import { errno, isAFolder, linkLeaves, notFound, notRegular, translateFsError } from './errors.ts';
import { Resolver, hasProcFd, type Dir, type Located } from './resolver.ts';
import { StagedFile } from './staged.ts';
import { typeOf, walkDir, type Visitor, type WalkEntry, type WalkOptions } from './walk.ts';

export { StagedFile, TEMP_PREFIX, type StagedResult } from './staged.ts';
export { typeOf, type WalkEntry, type Visitor } from './walk.ts';
export { hasProcFd, type Dir, type Located } from './resolver.ts';

/** An open regular file of the workspace: read it through `fd`, then close(). */
export interface OpenFile {
  fd: number;
  stat: Stats;
  /** The real path (internal symlinks resolved), relative to the workspace. */
  rel: string;
  close(): void;
}

export interface Removed {
  type: WalkEntry['type'];
  rel: string;
  /** Regular files that went (the path itself for a file). */
  files: string[];
}

export class SafeWorkspace {
  readonly resolver: Resolver;

  /**
   * `root`: the workspace. `scratch`: a folder on the same file system that the
   * container cannot see (trash for deletions, staging for archives).
   */
  constructor(
    readonly root: string,
    private readonly scratch: string,
    proc: boolean = hasProcFd(),
  ) {
    mkdirSync(root, { recursive: true });
    this.resolver = new Resolver(root, proc, () => this.scratchFolder('staging'));
  }

  /** The entry at `rel` (final internal symlink followed), or null. */
  stat(rel: string): { rel: string; stat: Stats } | null {
    let loc: Located;
    try {
      loc = this.resolver.locate(rel, { follow: true });
    } catch (e) {
      if (e instanceof ZeblitError && e.code === 'NOT_FOUND') return null;
      throw e;
    }
    this.resolver.close(loc.dir);
    return loc.stat ? { rel: loc.rel, stat: loc.stat } : null;
  }

  /** The link itself, not followed; null when nothing is there (nor its folder). */
  lstat(rel: string): Stats | null {
    let loc: Located;
    try {
      loc = this.resolver.locate(rel, { follow: false });
    } catch (e) {
      if (e instanceof ZeblitError && e.code === 'NOT_FOUND') return null;
      throw e;
    }
    this.resolver.close(loc.dir);
    return loc.stat;
  }

  /** Opens a regular file for reading; refuses folders, devices, pipes and anything outside. */
  openRead(rel: string): OpenFile {
    const loc = this.resolver.locate(rel, { follow: true });
    try {
      if (!loc.stat) throw notFound(rel);
      if (loc.stat.isDirectory()) throw isAFolder(rel);
      if (!loc.stat.isFile()) throw notRegular(rel);
      let fd: number;
      try {
        // O_NONBLOCK: a FIFO swapped in after lstat must not hang the daemon.
        fd = openSync(`${loc.dir.at}/${loc.name}`, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      } catch (e) {
        translateFsError(e, rel);
      }
      try {
        const real = this.resolver.verifyFd(fd, loc.rel);
        const stat = fstatSync(fd);
        if (!stat.isFile()) throw notRegular(rel);
        return { fd, stat, rel: real, close: () => closeSync(fd) };
      } catch (e) {
        closeSync(fd);
        throw e;
      }
    } finally {
      this.resolver.close(loc.dir);
    }
  }

  /** The whole file, when it is at most `max` bytes; null when larger. */
  readSmall(rel: string, max: number): { rel: string; stat: Stats; data: Buffer | null } {
    const f = this.openRead(rel);
    try {
      if (f.stat.size > max) return { rel: f.rel, stat: f.stat, data: null };
      return { rel: f.rel, stat: f.stat, data: readFd(f.fd, f.stat.size) };
    } finally {
      f.close();
    }
  }

  /** Starts a write of `rel` (parents created); commit() puts it in place atomically. */
  stage(rel: string, keepUpTo: number): StagedFile {
    const loc = this.resolver.locate(rel, { createParents: true, follow: true });
    if (loc.stat?.isDirectory()) {
      this.resolver.close(loc.dir);
      throw isAFolder(rel);
    }
    if (loc.stat && !loc.stat.isFile()) {
      this.resolver.close(loc.dir);
      throw notRegular(rel);
    }
    try {
      return StagedFile.open(this.resolver, loc, keepUpTo);
    } catch (e) {
      this.resolver.close(loc.dir);
      throw e;
    }
  }

  /** Writes a whole buffer atomically. */
  writeBuffer(rel: string, data: Uint8Array, keepUpTo: number): { staged: StagedFile } {
    const staged = this.stage(rel, keepUpTo);
    try {
      staged.writeAllSync(data);
    } catch (e) {
      staged.abort();
      throw e;
    }
    return { staged };
  }

  mkdir(rel: string): void {
    this.resolver.close(this.resolver.openDir(rel, { create: true }));
  }

  /** Lists `rel` (a folder) depth first, without following links. */
  walk(rel: string, visit: Visitor, opts: WalkOptions = {}): void {
    const dir = this.resolver.openDir(rel);
    try {
      walkDir(this.resolver, dir, visit, opts);
    } finally {
      this.resolver.close(dir);
    }
  }

  /**
   * Removes a file, a link (not its target) or a folder. A folder is first
   * renamed into the scratch area, out of the container's reach, so nothing
   * can swap its sub-folders for links while it is being emptied.
   */
  remove(rel: string): Removed {
    const loc = this.resolver.locate(rel, { follow: false });
    try {
      if (!loc.stat) throw notFound(rel);
      if (loc.rel === '') throw new ZeblitError('INVALID_PATH', 'The workspace itself cannot be removed');
      const type = typeOf(loc.stat);
      if (type !== 'dir') {
        unlinkSync(`${loc.dir.at}/${loc.name}`);
        return { type, rel: loc.rel, files: type === 'file' ? [loc.rel] : [] };
      }
      const trash = this.scratchDir('trash');
      const parked = `${trash.at}/${randomBytes(9).toString('base64url')}`;
      try {
        renameSync(`${loc.dir.at}/${loc.name}`, parked);
      } catch (e) {
        this.resolver.close(trash);
        if (errno(e) !== 'EXDEV') throw e;
        // Another file system (the workspace is its own mount): remove in place.
        const files = this.filesUnder(loc.rel);
        rmSync(`${loc.dir.at}/${loc.name}`, { recursive: true, force: true });
        return { type, rel: loc.rel, files };
      }
      const files: string[] = [];
      const parkedDir = new Resolver(parked);
      const root = parkedDir.openRoot();
      try {
        walkDir(parkedDir, root, (e) => void (e.type === 'file' && files.push(`${loc.rel}/${e.rel}`)));
      } finally {
        parkedDir.close(root);
        this.resolver.close(trash);
      }
      rmSync(parked, { recursive: true, force: true });
      return { type, rel: loc.rel, files };
    } catch (e) {
      translateFsError(e, rel);
    } finally {
      this.resolver.close(loc.dir);
    }
  }

  /** Regular files at or below `rel`. */
  filesUnder(rel: string): string[] {
    const st = this.lstat(rel);
    if (!st) return [];
    if (!st.isDirectory()) return st.isFile() ? [rel] : [];
    const out: string[] = [];
    this.walk(rel, (e) => void (e.type === 'file' && out.push(e.rel)));
    return out;
  }

  /** rename(2) inside the workspace; links are moved as links. */
  move(from: string, to: string, overwrite: boolean): { type: WalkEntry['type']; from: string; to: string } {
    if (isWithin(to, from)) throw new ZeblitError('INVALID_PATH', `Cannot move ${from} into itself`);
    const src = this.resolver.locate(from, { follow: false });
    let dst: Located | undefined;
    try {
      if (!src.stat) throw notFound(from);
      if (src.rel === '') throw new ZeblitError('INVALID_PATH', 'The workspace itself cannot be moved');
      dst = this.resolver.locate(to, { createParents: true, follow: false });
      if (dst.stat) {
        if (!overwrite) throw new ZeblitError('CONFLICT', `${to} already exists`, { suggestion: 'Pass overwrite: true to replace it.' });
        if (dst.stat.isDirectory() !== src.stat.isDirectory()) throw new ZeblitError('CONFLICT', `${to} is a ${dst.stat.isDirectory() ? 'folder' : 'file'}`);
      }
      renameSync(`${src.dir.at}/${src.name}`, `${dst.dir.at}/${dst.name}`);
      return { type: typeOf(src.stat), from: src.rel, to: dst.rel };
    } catch (e) {
      if (errno(e) === 'EINVAL') throw new ZeblitError('INVALID_PATH', `Cannot move ${from} into itself`);
      return translateFsError(e, from);
    } finally {
      this.resolver.close(src.dir);
      if (dst) this.resolver.close(dst.dir);
    }
  }

  /** The text of a symbolic link (never followed). */
  readLink(rel: string): string {
    const loc = this.resolver.locate(rel, { follow: false });
    try {
      return readlinkSync(`${loc.dir.at}/${loc.name}`);
    } catch (e) {
      translateFsError(e, rel);
    } finally {
      this.resolver.close(loc.dir);
    }
  }

  /** Sets a file's modification time (the link itself if it is one). */
  setMtime(rel: string, mtime: Date): void {
    const loc = this.resolver.locate(rel, { follow: false });
    try {
      lutimesSync(`${loc.dir.at}/${loc.name}`, mtime, mtime);
    } catch (e) {
      translateFsError(e, rel);
    } finally {
      this.resolver.close(loc.dir);
    }
  }

  /** Removes folders created for a write that was then abandoned, deepest first, only while empty. */
  removeEmptyDirs(rels: string[]): void {
    for (const rel of [...rels].sort((a, b) => b.length - a.length)) {
      try {
        const loc = this.resolver.locate(rel, { follow: false });
        try {
          if (loc.stat?.isDirectory()) rmdirSync(`${loc.dir.at}/${loc.name}`);
        } finally {
          this.resolver.close(loc.dir);
        }
      } catch {
        // not empty any more, or gone: leave it
      }
    }
  }

  /** Folders on the way to `rel` that do not exist yet (what a write there would create). */
  missingParents(rel: string): string[] {
    const out: string[] = [];
    let dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    while (dir !== '') {
      let exists: boolean;
      try {
        exists = this.stat(dir) !== null;
      } catch {
        exists = true; // refused (a link outside, a file): the write will say why
      }
      if (exists) break;
      out.push(dir);
      dir = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '';
    }
    return out;
  }

  /**
   * A link copied as a link (its text unchanged), when it leads inside the
   * workspace both where it is and where the copy goes (a relative target
   * means something else one folder up); one that leads out, or dangles
   * through a missing link, is refused: copying it would plant a way out.
   * The copy belongs to its folder's owner (Resolver.makeLink).
   */
  copyLink(from: string, to: string): void {
    const src = this.resolver.locate(from, { follow: false });
    try {
      const target = this.linkTarget(src, from);
      const dst = this.resolver.locate(to, { createParents: true, follow: false });
      try {
        if (!this.resolver.leadsInside(this.resolver.absolute(dst.dir.rel), target)) throw linkLeaves(src.rel, target, to);
        this.resolver.makeLink(dst.dir, dst.name, target);
      } finally {
        this.resolver.close(dst.dir);
      }
    } catch (e) {
      translateFsError(e, to);
    } finally {
      this.resolver.close(src.dir);
    }
  }

  /** Throws what copyLink(from, to) would refuse, creating nothing: a folder's copy checks all its links before it writes. */
  checkLinkCopy(from: string, to: string): void {
    const src = this.resolver.locate(from, { follow: false });
    let target: string;
    try {
      target = this.linkTarget(src, from);
    } finally {
      this.resolver.close(src.dir);
    }
    if (!this.resolver.leadsInside(this.futureFolder(parentOf(to)), target)) throw linkLeaves(src.rel, target, to);
  }

  /** The text of the link at `loc`, refused when it leads outside from where it is. */
  private linkTarget(loc: Located, rel: string): string {
    if (!loc.stat?.isSymbolicLink()) throw new ZeblitError('CONFLICT', `${rel} is no longer a symbolic link`, { suggestion: 'It changed during the copy; try again.' });
    const target = readlinkSync(`${loc.dir.at}/${loc.name}`);
    if (!this.resolver.leadsInside(this.resolver.absolute(loc.dir.rel), target)) throw linkLeaves(loc.rel, target);
    return target;
  }

  /** The real path the folder `rel` has, or will have once made: its deepest existing folder (internal links followed) and the rest. */
  private futureFolder(rel: string): string {
    const rest: string[] = [];
    for (let cur = rel; ; cur = parentOf(cur)) {
      const found = this.stat(cur);
      if (found) return [this.resolver.absolute(found.rel), ...rest].join('/');
      rest.unshift(baseName(cur));
    }
  }

  /** The path of a private folder under scratch, created on demand. */
  scratchFolder(name: string): string {
    const path = `${this.scratch}/${name}`;
    mkdirSync(path, { recursive: true, mode: 0o700 });
    return path;
  }

  /** A private folder under scratch (created on demand), opened like a workspace folder. */
  scratchDir(name: string): Dir {
    const path = this.scratchFolder(name);
    const fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    return { fd, at: this.resolver.proc ? `/proc/self/fd/${fd}` : path, rel: '' };
  }

  get scratchPath(): string {
    return this.scratch;
  }
}

export function readFd(fd: number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let off = 0;
  while (off < size) {
    const n = readSync(fd, buf, off, size - off, off);
    if (n === 0) break;
    off += n;
  }
  return off === size ? buf : buf.subarray(0, off);
}

