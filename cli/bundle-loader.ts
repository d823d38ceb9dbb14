/**
 * Loads the built CLI's CommonJS bundles (dist/cli/*.cjs) through V8's code
 * cache, as v8-compile-cache did for npm: Node 20 has no compile cache of its
 * own (module.enableCompileCache came in 22.1), and compiling the code a
 * command runs is a good part of its start-up (docs/cli.md, "Speed").
 *
 * The cache of a bundle is written when the process exits, after the command
 * ran, so it holds the functions that were compiled on the way; the next run
 * of any command that uses them skips their compilation. Caches live in
 * $ZEBLIT_HOME/cache/code/<node version>-<arch>/ (0700), one file per bundle
 * named by its size and modification time: V8 checks a cache only against
 * the source's length, so a rebuilt bundle must never meet an old cache. A
 * cache V8 rejects (another V8, other flags) is rewritten; one that cannot be
 * read or written is simply not used. ZEBLIT_CODE_CACHE=0 turns it off.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

type Exports = Record<string, unknown>;

export interface BundleLoader {
  /** The exports of the bundle at `file` (absolute), evaluated once. */
  load(file: string): Exports;
  /** Writes the caches of the bundles loaded without one; main.ts calls it at exit. */
  flush(): void;
}

interface Loaded {
  exports: Exports;
  script: Script;
  cacheFile: string | undefined;
  /** No cache was read (or V8 rejected it): write one at exit. */
  stale: boolean;
}

export function bundleLoader(cacheDir: string | undefined): BundleLoader {
  const loaded = new Map<string, Loaded>();

  function load(file: string): Exports {
    const known = loaded.get(file);
    if (known) return known.exports;
    const source = readFileSync(file, 'utf8');
    let cacheFile: string | undefined;
    let cachedData: Buffer | undefined;
    if (cacheDir) {
      const st = statSync(file);
      cacheFile = join(cacheDir, `${basename(file)}-${st.size}-${Math.floor(st.mtimeMs)}.bin`);
      try {
        cachedData = readFileSync(cacheFile);
      } catch {
        cachedData = undefined;
      }
    }
    // The same wrapper Node's own CommonJS loader puts around a module.
    const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
    const module = { exports: {} as Exports };
    const entry: Loaded = { exports: module.exports, script, cacheFile, stale: cachedData === undefined || script.cachedDataRejected === true };
    loaded.set(file, entry);
    const nodeRequire = createRequire(file);
    // A bundle asks for its siblings (`./core.cjs`) through this loader too, so they share the cache and load once.
    const requireFn = (id: string): unknown => (id.startsWith('./') && id.endsWith('.cjs') ? load(join(dirname(file), id)) : nodeRequire(id));
    const fn = script.runInThisContext() as (e: Exports, r: typeof requireFn, m: { exports: Exports }, f: string, d: string) => void;
    fn.call(module.exports, module.exports, requireFn, module, file, dirname(file));
    entry.exports = module.exports;
    return module.exports;
  }

  function flush(): void {
    for (const entry of loaded.values()) {
      if (!entry.stale || !entry.cacheFile) continue;
      entry.stale = false;
      try {
        mkdirSync(dirname(entry.cacheFile), { recursive: true, mode: 0o700 });
        const tmp = `${entry.cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, entry.script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, entry.cacheFile);
        // The caches of earlier builds of this bundle are of no use any more.
        const name = basename(entry.cacheFile);
        const prefix = name.slice(0, name.indexOf('.cjs-') + 5);
        for (const old of readdirSync(dirname(entry.cacheFile))) if (old.startsWith(prefix) && old !== name) rmSync(join(dirname(entry.cacheFile), old), { force: true });
      } catch {
        // A read-only home or a full disk: run without a cache.
      }
    }
  }

  return { load, flush };
}

/** Where the caches of this Node go, or undefined when turned off. */
export function codeCacheDir(home: string, env: Record<string, string | undefined>): string | undefined {
  if (env.ZEBLIT_CODE_CACHE === '0') return undefined;
  return join(home, 'cache', 'code', `${process.version}-${process.arch}`);
}
