/**
 * Who owns what the daemon creates in a workspace. Invariant: when the
 * daemon runs as root, nothing it creates there is left to root; each new
 * file, folder or link belongs to the owner of the folder it is in (the
 * container's user), and that owner is set through the descriptor of what
 * was created (fchown), or on a link in a folder only the daemon can reach
 * (lchown), never by a path a process in the container can redirect.
 */
import { closeSync, constants, fchownSync, fstatSync, openSync } from 'node:fs';

export interface Owner {
  uid: number;
  gid: number;
}

const O_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** The owner a new entry of the folder `parentFd` must get; null when there is nothing to change (not root, or a folder of root's). */
export function ownerToAdopt(parentFd: number): Owner | null {
  if (process.getuid?.() !== 0) return null;
  const { uid, gid } = fstatSync(parentFd);
  return uid === 0 && gid === 0 ? null : { uid, gid };
}

/**
 * fchown that does not fail the operation: where root cannot give files
 * away (a user namespace that does not map the owner's id: EINVAL) the
 * entry exists either way, as it would with a daemon that is not root.
 */
export function giveTo(fd: number, owner: Owner): void {
  try {
    fchownSync(fd, owner.uid, owner.gid);
  } catch {
    // see above
  }
}

/** Gives an open file to the owner of its folder (see ownerToAdopt). */
export function adoptOwner(parentFd: number, fd: number): void {
  const owner = ownerToAdopt(parentFd);
  if (owner) giveTo(fd, owner);
}

/**
 * Gives the folder at `path` to `owner` through a descriptor opened on it
 * with O_NOFOLLOW: a link put in its place is not followed (the open fails
 * and nothing is changed). `onlyRootOwned`: leave a folder someone else
 * already owns (it is not the one we made).
 */
export function chownFolder(path: string, owner: Owner, onlyRootOwned = false): void {
  let fd: number;
  try {
    fd = openSync(path, O_DIR);
  } catch {
    return; // swapped for a link or a file, or gone: what we made is no longer here to give away
  }
  try {
    if (!onlyRootOwned || fstatSync(fd).uid === 0) giveTo(fd, owner);
  } finally {
    closeSync(fd);
  }
}
