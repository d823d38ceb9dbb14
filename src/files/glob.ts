import { ZeblitError } from '../contracts/index.ts';

const escapeRe = (c: string) => c.replace(/[.+^${}()|[\]\\]/g, '\\$&');

/**
 * The regular-expression body of a glob over `/`-separated paths: `*` and `?`
 * stay within a name, `**` crosses folders, `[abc]`/`[!a-z]` are classes,
 * `{a,b}` alternatives (globs only; gitignore has no braces).
 */
export function globBody(glob: string, opts: { braces?: boolean } = {}): string {
  let re = '';
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '\\' && i + 1 < glob.length) {
      re += escapeRe(glob[++i] as string);
    } else if (c === '*') {
      if (glob[i + 1] === '*') {
        const before = i === 0 || glob[i - 1] === '/';
        let j = i + 2;
        while (glob[j] === '*') j++;
        if (before && glob[j] === '/') {
          re += '(?:.*/)?'; // **/ : zero or more folders
          i = j;
        } else if (before && j === glob.length) {
          re += '.*'; // trailing /** : everything below
          i = j - 1;
        } else {
          re += '.*';
          i = j - 1;
        }
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let cls = glob.slice(i + 1, end);
        if (cls.startsWith('!') || cls.startsWith('^')) cls = `^${cls.slice(1)}`;
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (opts.braces && c === '{') {
      depth++;
      re += '(?:';
    } else if (opts.braces && c === '}' && depth > 0) {
      depth--;
      re += ')';
    } else if (opts.braces && c === ',' && depth > 0) re += '|';
    else re += escapeRe(c);
  }
  if (depth !== 0) throw new ZeblitError('VALIDATION_FAILED', `Unbalanced braces in glob "${glob}"`);
  return re;
}

/**
 * A matcher for a user glob. Without a `/`, it matches the name at any depth
 * (as ripgrep's -g does); with one, the whole path relative to the listed folder.
 */
export function compileGlob(glob: string): (rel: string) => boolean {
  const trimmed = glob.replace(/^\.\//, '');
  let re: RegExp;
  try {
    const body = globBody(trimmed, { braces: true });
    re = trimmed.includes('/') ? new RegExp(`^${body}$`) : new RegExp(`(?:^|/)${body}$`);
  } catch (e) {
    if (e instanceof ZeblitError) throw e;
    throw new ZeblitError('VALIDATION_FAILED', `Invalid glob "${glob}"`);
  }
  return (rel) => re.test(rel);
}
