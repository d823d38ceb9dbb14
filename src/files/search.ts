import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { SearchQuery, ZeblitError, isTrue, type SearchMatch, type SearchResult } from '../contracts/index.ts';
import type { FilesCore } from './core.ts';
import { compileGlob } from './glob.ts';
import { isBinaryContent } from './mime.ts';
import { normalizePath } from './paths.ts';
import { TEMP_PREFIX, readFd } from './safe-fs/index.ts';

const MAX_FILE_BYTES = 5 * 1024 * 1024;
const MAX_LINE_CHARS = 500;

function matcher(q: string, regex: boolean, caseSensitive: boolean): (line: string) => number {
  if (regex) {
    let re: RegExp;
    try {
      re = new RegExp(q, caseSensitive ? '' : 'i');
    } catch (e) {
      throw new ZeblitError('VALIDATION_FAILED', `Invalid regular expression: ${(e as Error).message}`);
    }
    return (line) => line.search(re);
  }
  if (caseSensitive) return (line) => line.indexOf(q);
  const needle = q.toLowerCase();
  return (line) => line.toLowerCase().indexOf(needle);
}

/**
 * grep over the workspace: text files only (binary ones, ignored paths and
 * files over 5 MiB are skipped), in path order, stopping at the match cap.
 * Files are read one at a time and the loop yields between batches, so a
 * large search never holds the daemon for long.
 */
export async function search(core: FilesCore, projectId: string, input: SearchQuery): Promise<SearchResult> {
  const q = SearchQuery.parse(input);
  const dir = normalizePath(q.dir, { allowRoot: true });
  const find = matcher(q.q, isTrue(q.regex), isTrue(q.case_sensitive));
  const glob = q.glob ? compileGlob(q.glob) : null;
  const ws = core.ws(projectId);
  const ignores = core.ignores(projectId);
  const paths: string[] = [];
  let skipped = 0;
  ws.walk(dir, (e) => {
    if (e.name.startsWith(TEMP_PREFIX) || ignores.ignoresEntry(e.rel, e.type === 'dir')) return false;
    if (e.type !== 'file') return e.type === 'dir';
    if (e.size > MAX_FILE_BYTES) skipped++;
    else if (!glob || glob(dir === '' ? e.rel : e.rel.slice(dir.length + 1))) paths.push(e.rel);
    return false;
  });
  const matches: SearchMatch[] = [];
  let scanned = 0;
  let truncated = false;
  for (const path of paths) {
    if (scanned % 64 === 63) await yieldToLoop();
    let data: Buffer;
    try {
      const f = ws.openRead(path);
      try {
        data = readFd(f.fd, Math.min(f.stat.size, MAX_FILE_BYTES));
      } finally {
        f.close();
      }
    } catch {
      skipped++; // vanished, or became a link since the walk
      continue;
    }
    if (isBinaryContent(data.subarray(0, 8192), data.byteLength > 8192)) {
      skipped++;
      continue;
    }
    scanned++;
    const lines = data.toString('utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      const col = find(line.length > 10_000 ? line.slice(0, 10_000) : line);
      if (col < 0) continue;
      if (matches.length >= q.max_results) {
        truncated = true;
        break;
      }
      const text = line.replace(/\r$/, '');
      matches.push({ path, line: i + 1, column: col + 1, text: text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)}…` : text });
    }
    if (truncated) break;
  }
  return { matches, truncated, files_scanned: scanned, files_skipped: skipped };
}
