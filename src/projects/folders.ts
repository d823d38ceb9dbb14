/**
 * Which host folders may become a project's workspace. A folder project's
 * folder is bind-mounted into a container that runs untrusted commands and
 * agents, so this is a security boundary: the folder must be a real directory
 * the caller owns, never `/`, never the home folder itself, never Zeblit's
 * own home or anything around it, and never overlap another project's folder.
 * The path is resolved through symlinks HERE, once, and the real path is what
 * gets stored: a link swapped later cannot redirect the project.
 */
import { lstatSync, realpathSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ZeblitError } from '../contracts/index.ts';

export interface FolderRules {
  /** $ZEBLIT_HOME (the folder project must not be in it, nor contain it). */
  zeblitHome: string;
  /** The user's home folder: its subfolders are fine, itself is not. */
  userHome: string;
  /**
   * The uid that must own the folder; null: any owner (a daemon running as
   * root without SUDO_UID: the machine's administrator, who can read every
   * folder anyway). See expectedOwner().
   */
  ownerUid: number | null;
}

/**
 * Whose folders this daemon may mount. Normally the daemon runs as the user,
 * and "the caller owns the folder" means the folder is the daemon user's. A
 * daemon started with sudo compares with the user who ran sudo (SUDO_UID). A
 * daemon that is root by itself (a container, CI) accepts any owner: root can
 * read and write every folder anyway, so refusing would protect nothing; the
 * container then runs as the folder's owner, never as root.
 */
export function expectedOwner(env: NodeJS.ProcessEnv = process.env, uid: number | undefined = process.getuid?.()): number | null {
  if (uid === undefined) return null;
  if (uid !== 0) return uid;
  const su = Number(env.SUDO_UID);
  return Number.isInteger(su) && su > 0 ? su : null;
}

const invalid = (message: string, suggestion?: string) => new ZeblitError('INVALID_PATH', message, { suggestion });

/** a === b or a is inside b (both real, absolute). */
export function isInsideOrSame(a: string, b: string): boolean {
  const rel = relative(b, a);
  return rel === '' || !(rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel));
}

function real(path: string, what: string): string {
  try {
    return realpathSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ZeblitError('NOT_FOUND', `${what} ${path} does not exist`, { suggestion: 'Create the folder first, or give an existing one.' });
    if (code === 'EACCES') throw new ZeblitError('FORBIDDEN', `${what} ${path} cannot be reached by zeblitd (permission denied)`);
    throw invalid(`${what} ${path} cannot be resolved (${code ?? String(e)})`);
  }
}

/** A real path of the machine, safe to resolve even when missing (the user's home, Zeblit's home). */
function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/**
 * Resolves `input` (absolute) through every symlink and checks it may be a
 * folder project's workspace. `taken`: the folders of existing projects.
 * Returns the real path to store.
 */
export function checkFolder(input: string, rules: FolderRules, taken: readonly string[]): string {
  if (!isAbsolute(input)) throw invalid(`The folder must be an absolute path, got "${input}"`);
  const path = real(input, 'The folder');
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (e) {
    throw invalid(`The folder ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (!st.isDirectory()) throw invalid(`${path} is not a folder`, 'Give the folder that holds your code.');
  if (path === '/' || dirname(path) === path) throw invalid('The root folder / cannot be a project', 'Give the folder of one project.');
  const home = realOrSelf(rules.userHome);
  if (path === home) throw invalid(`Your home folder ${path} itself cannot be a project`, 'Give the folder of one project inside it, e.g. ~/code/my-app.');
  const zhome = realOrSelf(rules.zeblitHome);
  if (isInsideOrSame(path, zhome)) throw invalid(`${path} is inside Zeblit's own home ${zhome}`, 'Projects there are made with `zeblit create NAME`; a folder project is a folder of yours elsewhere.');
  if (isInsideOrSame(zhome, path)) throw invalid(`${path} contains Zeblit's own home ${zhome}`, 'Give the folder of one project, not a folder around Zeblit\'s data.');
  for (const other of taken) {
    if (other === path) throw new ZeblitError('CONFLICT', `${path} is already the folder of another project`, { suggestion: 'Use that project (`zeblit list`), or delete it first.' });
    if (isInsideOrSame(path, other)) throw new ZeblitError('CONFLICT', `${path} is inside ${other}, the folder of another project`, { suggestion: 'Work in that project; `zeblit run` in a subfolder runs there.' });
    if (isInsideOrSame(other, path)) throw new ZeblitError('CONFLICT', `${path} contains ${other}, the folder of another project`, { suggestion: 'Folder projects cannot overlap: delete the inner project first, or pick another folder.' });
  }
  if (rules.ownerUid !== null && st.uid !== rules.ownerUid)
    throw new ZeblitError('FORBIDDEN', `${path} belongs to uid ${st.uid}, not to you (uid ${rules.ownerUid})`, { suggestion: 'A folder project must be a folder you own.' });
  return path;
}
