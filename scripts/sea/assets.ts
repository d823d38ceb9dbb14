/**
 * The first thing the single executable runs (imported first by main.ts, so
 * it is evaluated before any module of Zeblit). The files the programs read
 * at run time (migrations, the runner, the prompts, the API reference's
 * assets) and the better-sqlite3 addon travel inside the executable as SEA
 * assets; here they are written once to a cache folder named by the version
 * and a hash of their content, and the modules are pointed at it:
 * `import.meta.url` in the bundle reads globalThis.__ZEBLIT_ASSETS_URL__
 * (build-sea.mjs defines it so), and the database opens with the addon
 * loaded from there (src/db/sqlite.ts). Invariant: a cache folder exists
 * under its final name only once complete (written aside, then renamed).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { getAsset, isSea } from 'node:sea';
import { pathToFileURL } from 'node:url';

interface AssetList {
  version: string;
  /** sha256 over every file's name and content. */
  hash: string;
  files: string[];
}

/** Where the executable's files are written: ZEBLIT_CACHE_DIR, else the platform's cache folder. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.ZEBLIT_CACHE_DIR) return env.ZEBLIT_CACHE_DIR;
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'zeblit');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'zeblit');
}

function extract(): string {
  const list = JSON.parse(getAsset('zeblit-sea-assets.json', 'utf8')) as AssetList;
  const dir = join(cacheRoot(), `sea-${list.version}-${list.hash.slice(0, 16)}`);
  if (existsSync(dir)) return dir;
  mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const hash = createHash('sha256');
  for (const rel of list.files) {
    const bytes = Buffer.from(getAsset(rel));
    hash.update(rel).update(bytes);
    mkdirSync(join(tmp, dirname(rel)), { recursive: true, mode: 0o700 });
    writeFileSync(join(tmp, rel), bytes, { mode: rel.endsWith('.node') ? 0o700 : 0o600 });
  }
  if (hash.digest('hex') !== list.hash) throw new Error('the files inside this executable do not match their checksum: the executable is damaged');
  try {
    renameSync(tmp, dir);
  } catch (e) {
    // Another process extracted it first: use theirs.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(dir)) throw e;
  }
  return dir;
}

if (isSea()) {
  const dir = extract();
  const g = globalThis as Record<string, unknown>;
  g.__ZEBLIT_ASSETS_URL__ = pathToFileURL(join(dir, 'zeblitd.js')).href;
  const addon = { exports: {} as unknown };
  process.dlopen(addon, join(dir, 'better_sqlite3.node'));
  g.__ZEBLIT_SQLITE_ADDON__ = addon.exports;
  g.__ZEBLIT_SEA__ = true;
}
