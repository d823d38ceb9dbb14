import { z } from 'zod';

export const ProcessStats = z.object({
  rss_bytes: z.number().int(),
  heap_used_bytes: z.number().int(),
  /** null where the system does not tell (not Linux). */
  open_fds: z.number().int().nullable(),
  event_loop_delay_ms: z.object({ p50: z.number(), p99: z.number(), max: z.number() }).describe('Since the previous read of /health'),
  /** The database's write-ahead log; SQLite checkpoints it back into the database. */
  wal_bytes: z.number().int().nullable(),
});
export type ProcessStats = z.infer<typeof ProcessStats>;

export const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  uptime_seconds: z.number(),
  database: z.object({ ok: z.boolean() }),
  transport: z.enum(['unix', 'tcp']),
  /** The container engine. Where it is (endpoint) and why it fails (error) only for trusted callers. */
  engine: z.object({
    reachable: z.boolean(),
    version: z.string().nullable(),
    endpoint: z.string().optional(),
    error: z.string().optional(),
  }),
  /** Only told to authenticated or socket callers: where things live. */
  pid: z.number().int().optional(),
  home: z.string().optional(),
  /** Only for authenticated or socket callers: the daemon's memory, descriptors, event loop and WAL. */
  process: ProcessStats.optional(),
});
export type Health = z.infer<typeof Health>;
