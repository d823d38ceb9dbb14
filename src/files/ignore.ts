import { globBody } from './glob.ts';

/**
 * Ignore rules: what the API serves but does not version, and what a scan
 * skips. Git's semantics: the defaults come first, then the workspace's
 * .gitignore (so a `!dist/` there brings a default back), then the .gitignore
 * of each folder below, whose patterns are relative to that folder. The
 * deepest file with a matching pattern decides, and within a file the last
 * matching line. As in git, nothing below an ignored folder can be
 * re-included, and the .gitignore files inside one are never read.
 */
export const DEFAULT_IGNORES = ['.git', 'node_modules/', '.venv/', '__pycache__/', 'dist/', 'build/', '.zeblit-tmp-*'];

export interface Rule {
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
  // A slash at the start or in the middle anchors the pattern to the folder of its .gitignore.
  const anchored = line.includes('/');
  line = line.replace(/^\/+/, '');
  try {
    const body = globBody(line);
    return { re: new RegExp(anchored ? `^${body}$` : `(?:^|/)${body}$`), negate, dirOnly };
  } catch {
    return null; // a broken line is ignored, as git does
  }
}

/** The compiled lines of one .gitignore (patterns relative to its folder). */
export type IgnoreFile = readonly Rule[];

export function parseIgnoreFile(text: string): IgnoreFile {
  return text.split(/\r?\n/).map(compileLine).filter((r): r is Rule => r !== null);
}

const COMPILED_DEFAULTS = parseIgnoreFile(DEFAULT_IGNORES.join('\n'));

/** The last matching line of one file decides; undefined when none matches. */
function verdict(rules: IgnoreFile, rel: string, isDir: boolean): boolean | undefined {
  for (let i = rules.length - 1; i >= 0; i--) {
    const r = rules[i] as Rule;
    if (r.dirOnly && !isDir) continue;
    if (r.re.test(rel)) return !r.negate;
  }
  return undefined;
}

/**
 * The rules of one workspace, as seen by one operation. `nested(dir)` gives
 * the compiled .gitignore of a folder below the root (null: none); each
 * folder is asked once per instance, so an operation sees one consistent set
 * and the next one sees a .gitignore changed meanwhile.
 */
export class IgnoreRules {
  private readonly root: IgnoreFile;
  private readonly byDir = new Map<string, IgnoreFile | null>();

  /** `gitignore`: the root's .gitignore, as text or compiled. */
  constructor(gitignore: string | IgnoreFile = '', defaults: readonly string[] = DEFAULT_IGNORES, private readonly nested: (dir: string) => IgnoreFile | null = () => null) {
    const base = defaults === DEFAULT_IGNORES ? COMPILED_DEFAULTS : parseIgnoreFile(defaults.join('\n'));
    this.root = [...base, ...(typeof gitignore === 'string' ? parseIgnoreFile(gitignore) : gitignore)];
  }

  private rulesOf(dir: string): IgnoreFile | null {
    let rules = this.byDir.get(dir);
    if (rules === undefined) {
      rules = this.nested(dir);
      this.byDir.set(dir, rules);
    }
    return rules;
  }

  /** The verdict for one path alone (its parents not considered): the deepest folder with a matching line decides. */
  private matches(rel: string, isDir: boolean): boolean {
    for (let at = rel.lastIndexOf('/'); at > 0; at = rel.lastIndexOf('/', at - 1)) {
      const rules = this.rulesOf(rel.slice(0, at));
      const v = rules && rules.length > 0 ? verdict(rules, rel.slice(at + 1), isDir) : undefined;
      if (v !== undefined) return v;
    }
    return verdict(this.root, rel, isDir) ?? false;
  }

  /** Whether `rel` is ignored, itself or through a folder above it. */
  ignores(rel: string, isDir = false): boolean {
    if (rel === '') return false;
    if (isGitPath(rel)) return true;
    let at = rel.indexOf('/');
    while (at >= 0) {
      if (this.matches(rel.slice(0, at), true)) return true;
      at = rel.indexOf('/', at + 1);
    }
    return this.matches(rel, isDir);
  }

  /** For walkers that already know the parents are not ignored. */
  ignoresEntry(rel: string, isDir: boolean): boolean {
    return isGitName(rel) || this.matches(rel, isDir);
  }
}

/**
 * A repository's own database is never versioned, scanned or listed, whatever
 * a .gitignore says (`!.git` cannot bring it back): its files change with
 * every git command and mean nothing as project files.
 */
export const GIT_DIR = '.git';
const isGitName = (rel: string) => rel === GIT_DIR || rel.endsWith(`/${GIT_DIR}`);
export const isGitPath = (rel: string): boolean => rel === GIT_DIR || rel.startsWith(`${GIT_DIR}/`) || rel.includes(`/${GIT_DIR}/`) || rel.endsWith(`/${GIT_DIR}`);
