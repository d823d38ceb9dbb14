import type { IncomingHttpHeaders } from 'node:http';
import type { EnvelopeOf } from '../contracts/index.ts';
import { ZeblitApiError } from './errors.ts';

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function isEnvelope(v: unknown): v is EnvelopeOf<unknown> {
  return typeof v === 'object' && v !== null && 'success' in v && typeof v.success === 'boolean' && 'metadata' in v;
}

/**
 * Opens the `{ success, data, error, metadata }` envelope: its data on success,
 * a ZeblitApiError otherwise. Anything that is not an envelope (a proxy's HTML
 * page, a truncated body) is an error too, never silently `undefined`.
 */
export function unwrapEnvelope<T>(status: number, headers: IncomingHttpHeaders, body: string): T {
  let parsed: unknown;
  try {
    parsed = body === '' ? undefined : JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const retry = Number(header(headers, 'retry-after'));
  const base = { status, requestId: header(headers, 'x-request-id'), retryAfter: Number.isFinite(retry) && retry >= 0 ? retry : undefined };
  if (!isEnvelope(parsed)) {
    const snippet = body.trim().slice(0, 120);
    throw new ZeblitApiError('UNEXPECTED_RESPONSE', `Unexpected answer (HTTP ${status}), not a Zeblit envelope${snippet ? `: ${snippet}` : ''}`, {
      ...base,
      suggestion: 'Is the host a zeblitd? Check ZEBLIT_HOST or `zeblit auth status`.',
    });
  }
  const requestId = parsed.metadata?.request_id ?? base.requestId;
  if (parsed.success && status < 400) return parsed.data as T;
  const e = parsed.error;
  throw new ZeblitApiError(e?.code ?? 'UNEXPECTED_RESPONSE', e?.message ?? `Request failed (HTTP ${status})`, {
    ...base,
    requestId,
    suggestion: e?.suggestion,
    details: e?.details,
  });
}
