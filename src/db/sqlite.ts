import Database from 'better-sqlite3';

/**
 * Every SQLite connection is opened here. The single executable (build.mjs
 * --sea) cannot `require` the native addon from node_modules: it loads it
 * itself (process.dlopen of the copy in its cache folder) and leaves it in
 * globalThis.__ZEBLIT_SQLITE_ADDON__ for better-sqlite3's `nativeBinding`.
 */
export function openSqlite(file: string, options: Database.Options = {}): Database.Database {
  const addon = (globalThis as Record<string, unknown>).__ZEBLIT_SQLITE_ADDON__;
  try {
    // better-sqlite3 takes the addon object itself as well as a path; its types know only the path.
    return new Database(file, addon ? { ...options, nativeBinding: addon as string } : options);
  } catch (e) {
    throw nativeProblem(e) ?? e;
  }
}

/** A missing or mismatched native addon (an install without a compiler, or another Node since): said plainly, with the fix. */
export function nativeProblem(e: unknown): Error | null {
  const message = e instanceof Error ? e.message : String(e);
  if (!/Could not locate the bindings file|NODE_MODULE_VERSION|compiled against a different Node\.js version|invalid ELF header|wrong ELF class|mach-o, but wrong architecture|better_sqlite3\.node/.test(message)) return null;
  return new Error(
    `better-sqlite3's native module cannot be loaded for Node ${process.version} on ${process.platform}-${process.arch} (${message.split('\n')[0]}). ` +
      'npm installs a prebuilt one where one exists for this platform and Node; elsewhere it compiles it, which needs python3, make and a C++ compiler (Debian/Ubuntu: apt install python3 make g++; macOS: xcode-select --install). ' +
      'With those in place: npm rebuild -g better-sqlite3 (or install zeblit again). The single executable (zeblitd built with --sea) carries its own.',
    { cause: e },
  );
}
