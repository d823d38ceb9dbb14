import { z } from 'zod';
import { ClientType, Transport } from './auth.ts';

export const AuditEntry = z.object({
  id: z.string(),
  user_id: z.string().nullable(),
  key_id: z.string().nullable(),
  client_type: ClientType.nullable(),
  transport: Transport,
  action: z.string(),
  method: z.string(),
  path: z.string(),
  resource: z.string().nullable(),
  status: z.number().int(),
  outcome: z.enum(['success', 'failure']),
  request_id: z.string(),
  created_at: z.number().int(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditQuery = z.object({
  user_id: z.string().max(64).optional(),
  action: z.string().max(100).optional(),
  outcome: z.enum(['success', 'failure']).optional(),
  since: z.coerce.number().int().min(0).optional().describe('UTC milliseconds'),
  until: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type AuditQuery = z.input<typeof AuditQuery>;
