/**
 * docs/benchmarks.md is written section by section: each benchmark's --write
 * replaces its own "## …" section (from its heading to the next one) and
 * leaves the others as they are; a section not there yet is appended.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCHMARKS_DOC = join(resolve(fileURLToPath(import.meta.url), '..', '..', '..'), 'docs', 'benchmarks.md');

/** `body` starts with the section's own heading line (`heading`). Returns the file written. */
export function writeSection(heading: string, body: string, file = BENCHMARKS_DOC): string {
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const text = body.endsWith('\n') ? body : `${body}\n`;
  const start = old.indexOf(`${heading}\n`);
  const next = start < 0 ? -1 : old.indexOf('\n## ', start + heading.length);
  const updated = start < 0 ? `${old.trimEnd()}\n\n${text}` : `${old.slice(0, start)}${text}${next < 0 ? '' : `\n${old.slice(next + 1)}`}`;
  writeFileSync(file, updated);
  return file;
}
