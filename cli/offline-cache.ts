/**
 * What read commands last got from the daemon, kept under
 * $ZEBLIT_HOME/cache/offline/ (folder 0700, files 0600), one JSON file per
 * answer. Two readers:
 *
 *   - a read command whose daemon cannot be reached (and cannot be started)
 *     shows the cached answer instead, marked "(cached 2m ago — daemon
 *     unreachable)", if it is younger than its type's TTL (base-command.ts);
 *   - shell completion answers from a fresh entry without asking the daemon,
 *     so that <Tab> stays under 100 ms (completion/values.ts).
 *
 * Answers are kept per daemon and per key (an answer for one API key is
 * never shown to another), and only for reads: no write is ever answered
 * from here. `zeblit cache stats` and `zeblit cache clear` manage it.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How long an answer of each type may be served, in ms. */
export const CACHE_TTL_MS = {
  projects: 5 * 60_000,
  project: 5 * 60_000,
  files: 2 * 60_000,
  tree: 2 * 60_000,
  status: 30_000,
  dashboard: 30_000,
  runs: 30_000,
  errors: 60_000,
  agents: 10 * 60_000,
  conversations: 60_000,
} as const;

export type CacheType = keyof typeof CACHE_TTL_MS;

export interface CacheEntry<T = unknown> {
  key: string;
  type: CacheType;
  stored_at: number;
  data: T;
}

export interface CacheStats {
  dir: string;
  entries: number;
  bytes: number;
  expired: number;
  oldest: number | null;
  newest: number | null;
  by_type: Record<string, { entries: number; bytes: number; ttl_seconds: number }>;
}

/** FNV-1a, 64-bit as two 32-bit halves: a file name for a key, not a secret (keys hold no secret either). */
function hashKey(s: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x01000193 ^ i) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}

/** "3s", "2m", "1h", "2d": how long ago, for the "(cached 2m ago …)" note. */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

export class OfflineCache {
  constructor(
    readonly dir: string,
    private readonly now: () => number = Date.now,
  ) {}

  private file(type: CacheType, key: string): string {
    return join(this.dir, `${type}-${hashKey(`${type}\0${key}`)}.json`);
  }

  put<T>(type: CacheType, key: string, data: T): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const file = this.file(type, key);
      const tmp = `${file}.${process.pid}.tmp`;
      const entry: CacheEntry<T> = { key, type, stored_at: this.now(), data };
      writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
      renameSync(tmp, file);
    } catch {
      // A cache that cannot be written (read-only home, full disk) is a cache not kept.
    }
  }

  /** The entry for `key`, if there is one younger than `maxAgeMs` (default: its type's TTL). */
  get<T>(type: CacheType, key: string, maxAgeMs: number = CACHE_TTL_MS[type]): CacheEntry<T> | undefined {
    let entry: CacheEntry<T>;
    try {
      entry = JSON.parse(readFileSync(this.file(type, key), 'utf8')) as CacheEntry<T>;
    } catch {
      return undefined;
    }
    if (entry.key !== key || entry.type !== type) return undefined;
    if (this.now() - entry.stored_at > maxAgeMs) return undefined;
    return entry;
  }

  private files(): string[] {
    try {
      return readdirSync(this.dir).filter((f) => f.endsWith('.json'));
    } catch {
      return [];
    }
  }

  stats(): CacheStats {
    const by_type: CacheStats['by_type'] = {};
    let bytes = 0;
    let expired = 0;
    let oldest: number | null = null;
    let newest: number | null = null;
    const files = this.files();
    for (const f of files) {
      const type = f.slice(0, f.lastIndexOf('-')) as CacheType;
      const path = join(this.dir, f);
      let size = 0;
      let stored = 0;
      try {
        size = statSync(path).size;
        stored = (JSON.parse(readFileSync(path, 'utf8')) as CacheEntry).stored_at;
      } catch {
        continue;
      }
      bytes += size;
      const ttl = CACHE_TTL_MS[type] ?? 0;
      if (this.now() - stored > ttl) expired++;
      oldest = oldest === null ? stored : Math.min(oldest, stored);
      newest = newest === null ? stored : Math.max(newest, stored);
      const t = (by_type[type] ??= { entries: 0, bytes: 0, ttl_seconds: Math.round(ttl / 1000) });
      t.entries++;
      t.bytes += size;
    }
    return { dir: this.dir, entries: files.length, bytes, expired, oldest, newest, by_type };
  }

  /** Removes every entry; returns how many there were. */
  clear(): number {
    const files = this.files();
    for (const f of files) rmSync(join(this.dir, f), { force: true });
    return files.length;
  }
}

/**
 * Whom an answer belongs to: the daemon and the key used (not the key
 * itself: a hash of it, so that a file name never carries a secret).
 */
export function audienceOf(host: string, token: string | undefined): string {
  return token ? `${host} key:${hashKey(token)}` : `${host} owner`;
}
