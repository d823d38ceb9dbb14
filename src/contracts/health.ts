import { z } from 'zod';

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
});
export type Health = z.infer<typeof Health>;
