/**
 * The daemon's own vital signs for /health (trusted callers): memory, open
 * file descriptors, the event loop's delay since the previous read, and the
 * size of the database's write-ahead log. Cheap enough to read on every call:
 * one readdir of /proc/self/fd and one stat.
 */
import { readdirSync, statSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ProcessStats } from '../src/contracts/index.ts';

export function processStats(dbFile: string): { read: () => ProcessStats; stop: () => void } {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  return {
    read() {
      const mem = process.memoryUsage();
      let fds: number | null = null;
      try {
        fds = readdirSync('/proc/self/fd').length;
      } catch {
        fds = null; // not Linux
      }
      let wal: number | null = null;
      try {
        wal = statSync(`${dbFile}-wal`).size;
      } catch {
        wal = 0;
      }
      const stats: ProcessStats = {
        rss_bytes: mem.rss,
        heap_used_bytes: mem.heapUsed,
        open_fds: fds,
        event_loop_delay_ms: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
        wal_bytes: wal,
      };
      delay.reset();
      return stats;
    },
    stop: () => delay.disable(),
  };
}
