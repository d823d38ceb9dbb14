import { ZeblitError } from '../../contracts/index.ts';

export const outside = (rel: string) =>
  new ZeblitError('INVALID_PATH', `Invalid path "${rel}": it goes through a symbolic link that leads outside the workspace`, {
    suggestion: 'Symbolic links may point only inside the workspace; use the real path.',
  });

/** A link that would lead out of the workspace is not copied (`to`: where the copy would have gone, when only there it leads out). */
export const linkLeaves = (link: string, target: string, to?: string) =>
  new ZeblitError(
    'INVALID_PATH',
    to === undefined
      ? `Cannot copy the symbolic link "${link}": it points to "${target}", outside the workspace`
      : `Cannot copy the symbolic link "${link}" to "${to}": from there "${target}" would point outside the workspace`,
    {
      details: { link, target, ...(to === undefined ? {} : { to }) },
      suggestion: 'Only links that point inside the workspace are copied (as links). Fix or remove this one, or copy without it.',
    },
  );

export const notFound = (rel: string) => new ZeblitError('NOT_FOUND', `File ${rel || '/'} not found`, { suggestion: 'List the folder with GET /files?dir=… or `zeblit files list`.' });

export const notAFolder = (rel: string) => new ZeblitError('INVALID_PATH', `Invalid path "${rel}": a part of it is a file, not a folder`);

export const isAFolder = (rel: string) => new ZeblitError('CONFLICT', `${rel || 'The workspace'} is a folder`, { suggestion: 'Give the path of a file, or use the tree/list routes for folders.' });

export const notRegular = (rel: string) => new ZeblitError('INVALID_PATH', `Invalid path "${rel}": not a regular file (device, socket or pipe)`);

export const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

/** File-system errors that reach a caller, in the API's words. Anything unexpected is re-thrown as is (INTERNAL). */
export function translateFsError(e: unknown, rel: string): never {
  if (e instanceof ZeblitError) throw e;
  switch (errno(e)) {
    case 'ENOENT':
      throw notFound(rel);
    case 'ENOTDIR':
      throw notAFolder(rel);
    case 'EISDIR':
      throw isAFolder(rel);
    case 'ELOOP':
      throw new ZeblitError('INVALID_PATH', `Invalid path "${rel}": too many symbolic links`);
    case 'ENAMETOOLONG':
      throw new ZeblitError('INVALID_PATH', `Invalid path "${rel}": too long for the file system`);
    case 'EEXIST':
    case 'ENOTEMPTY':
      throw new ZeblitError('CONFLICT', `${rel} already exists`, { suggestion: 'Pass overwrite: true to replace it.' });
    case 'EACCES':
    case 'EPERM':
      throw new ZeblitError('FORBIDDEN', `Permission denied on ${rel}`, { suggestion: 'A process in the container may have changed its permissions.' });
    case 'ENOSPC':
    case 'EDQUOT':
      throw new ZeblitError('UNAVAILABLE', 'The disk holding the workspace is full', { suggestion: 'Free some space and try again.' });
    default:
      throw e;
  }
}
