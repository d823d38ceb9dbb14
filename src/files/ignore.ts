import { globBody } from './glob.ts';

/**
 * Ignore rules: what the API serves but does not version, and what a scan
 * skips. The defaults come first, then the workspace's .gitignore, so a
 * `!dist/` there brings a default back. As in git, nothing below an ignored
 * folder can be re-included. Nested .gitignore files are not read.
 */
export const DEFAULT_IGNORES = ['.git', 'node_modules/', '.venv/', '__pycache__/', 'dist/', 'build/', '.zeblit-tmp-*'];

interface Rule {
  re: RegExp;
  negate: boolean;
  dirOnly: boolean;
}

function compileLine(raw: string): Rule | null {
  let line = raw.replace(/(?<!\\)\s+$/, '');
  if (line === '' || line.startsWith('#')) return null;
  let negate = false;
  if (line.startsWith('!')) {
    negate = true;
    line = line.slice(1);
  } else if (line.startsWith('\\!') || line.startsWith('\\#')) line = line.slice(1);
  let dirOnly = false;
  if (line.endsWith('/')) {
    dirOnly = true;
    line = line.replace(/\/+$/, '');
  }
  if (line === '') return null;
  // A slash at the start or in the middle anchors the pattern to the workspace root.
  const anchored = line.includes('/');
  line = line.replace(/^\/+/, '');
  try {
    const body = globBody(line);
    return { re: new RegExp(anchored ? `^${body}$` : `(?:^|/)${body}$`), negate, dirOnly };
  } catch {
    return null; // a broken line is ignored, as git does
  }
}

export class IgnoreRules {
  private readonly rules: Rule[];

  constructor(gitignore: string = '', defaults: readonly string[] = DEFAULT_IGNORES) {
    this.rules = [...defaults, ...gitignore.split(/\r?\n/)].map(compileLine).filter((r): r is Rule => r !== null);
  }

  /** The verdict for one path alone (its parents not considered). */
  private matches(rel: string, isDir: boolean): boolean {
    let ignored = false;
    for (const r of this.rules) {
      if (r.dirOnly && !isDir) continue;
      if (r.re.test(rel)) ignored = !r.negate;
    }
    return ignored;
  }

  /** Whether `rel` is ignored, itself or through a folder above it. */
  ignores(rel: string, isDir = false): boolean {
    if (rel === '') return false;
    let at = rel.indexOf('/');
    while (at >= 0) {
      if (this.matches(rel.slice(0, at), true)) return true;
      at = rel.indexOf('/', at + 1);
    }
    return this.matches(rel, isDir);
  }

  /** For walkers that already know the parents are not ignored. */
  ignoresEntry(rel: string, isDir: boolean): boolean {
    return this.matches(rel, isDir);
  }
}
