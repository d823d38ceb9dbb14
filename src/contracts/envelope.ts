import { z } from 'zod';
import { ERROR_CODES } from './errors.ts';

export const ErrorBody = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  details: z.unknown().optional(),
  suggestion: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Metadata = z.object({
  timestamp: z.string(),
  request_id: z.string(),
  version: z.string(),
});
export type Metadata = z.infer<typeof Metadata>;

/** Every /api/v1 response is this envelope, errors included. */
export function Envelope<T extends z.ZodType>(data: T) {
  return z.object({
    success: z.boolean(),
    data: data.nullable(),
    error: ErrorBody.nullable(),
    metadata: Metadata,
  });
}

export const ErrorEnvelope = Envelope(z.null());

export interface EnvelopeOf<T> {
  success: boolean;
  data: T | null;
  error: ErrorBody | null;
  metadata: Metadata;
}

/** Pages of a list: `limit` items after `offset`, and the total that match. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type PageQuery = z.infer<typeof PageQuery>;

export function Page<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  });
}
export interface PageOf<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}
