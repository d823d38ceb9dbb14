/**
 * Lexical path rules. Invariant: every path that reaches the file system went
 * through normalizePath(), so it is relative, `/`-separated, free of `.`,
 * `..`, NUL and backslashes, and within the length limits. What the path
 * resolves to on disk (symlinks) is checked separately, by safe-fs.ts.
 */
import { posix } from 'node:path';
import { FILE_PATH_MAX_BYTES, FILE_SEGMENT_MAX_BYTES, ZeblitError } from '../contracts/index.ts';

const invalid = (input: string, why: string) =>
  new ZeblitError('INVALID_PATH', `Invalid path "${printable(input)}": ${why}`, {
    suggestion: 'Give a path relative to the workspace, with / between folders, e.g. src/main.py.',
  });

function printable(s: string): string {
  const cut = s.length > 200 ? `${s.slice(0, 200)}…` : s;
  return cut.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * The canonical form of a workspace path: '' for the root, else `a/b/c`.
 * `allowRoot` lets folder operations (tree, list) name the workspace itself.
 */
export function normalizePath(input: string, opts: { allowRoot?: boolean } = {}): string {
  if (typeof input !== 'string') throw invalid(String(input), 'not a string');
  if (input.includes('\0')) throw invalid(input, 'contains a NUL byte');
  if (input.includes('\\')) throw invalid(input, 'contains a backslash; use / between folders');
  if (Buffer.byteLength(input) > FILE_PATH_MAX_BYTES) throw invalid(input, `longer than ${FILE_PATH_MAX_BYTES} bytes`);
  if (input.startsWith('/')) throw invalid(input, 'absolute paths are not allowed');
  if (/^[A-Za-z]:/.test(input)) throw invalid(input, 'drive letters are not allowed');
  if (input.startsWith('~')) throw invalid(input, 'home-relative paths are not allowed');
  const normal = posix.normalize(input === '' ? '.' : input).replace(/\/+$/, '');
  if (normal === '..' || normal.startsWith('../')) throw invalid(input, 'leaves the workspace');
  const rel = normal === '.' ? '' : normal;
  if (rel === '' && !opts.allowRoot) throw invalid(input, 'names the workspace itself, not a file');
  for (const seg of rel === '' ? [] : rel.split('/')) {
    if (Buffer.byteLength(seg) > FILE_SEGMENT_MAX_BYTES) throw invalid(input, `a name is longer than ${FILE_SEGMENT_MAX_BYTES} bytes`);
  }
  return rel;
}

/** The segments of a normalised path ([] for the root). */
export const segmentsOf = (rel: string): string[] => (rel === '' ? [] : rel.split('/'));

/** The parent of a normalised path ('' for a root entry). */
export const parentOf = (rel: string): string => {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
};

export const baseName = (rel: string): string => rel.slice(rel.lastIndexOf('/') + 1);

/** True when `rel` is `dir` itself or below it. */
export const isWithin = (rel: string, dir: string): boolean => dir === '' || rel === dir || rel.startsWith(`${dir}/`);

export const joinRel = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`);
