import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

/**
 * The runner's Perl source. It sits beside this module in the source tree and
 * beside the bundle in dist/ (build.mjs copies it there, as it does the migrations).
 */
export function runnerScript(): string {
  if (cached !== null) return cached;
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'runner.pl'), join(here, 'containers', 'runner.pl'), join(here, '..', 'src', 'containers', 'runner', 'runner.pl')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`runner.pl not found (looked in ${candidates.join(', ')})`);
  cached = readFileSync(found, 'utf8');
  return cached;
}
