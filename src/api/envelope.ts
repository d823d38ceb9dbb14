import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import { ERROR_HEADERS, VERSION, ZeblitError, type EnvelopeOf, type ErrorBody, type ErrorCode } from '../contracts/index.ts';
import type { AppEnv } from './env.ts';

export function metadata(c: Context<AppEnv>) {
  return { timestamp: new Date().toISOString(), request_id: c.get('requestId') ?? 'unknown', version: VERSION };
}

export function ok<T>(c: Context<AppEnv>, data: T, status: ContentfulStatusCode = 200): Response {
  const body: EnvelopeOf<T> = { success: true, data, error: null, metadata: metadata(c) };
  return c.json(body, status);
}

export function fail(c: Context<AppEnv>, err: ZeblitError): Response {
  const error: ErrorBody = { code: err.code, message: err.message };
  if (err.details !== undefined) error.details = err.details;
  if (err.suggestion) error.suggestion = err.suggestion;
  const body: EnvelopeOf<null> = { success: false, data: null, error, metadata: metadata(c) };
  for (const [k, v] of Object.entries(err.headers ?? {})) c.header(k, v);
  // A refused WebSocket upgrade reaches the client without its body (the server writes only the status line and headers): the error rides in headers too.
  if (c.req.header('upgrade')?.toLowerCase() === 'websocket') {
    c.header(ERROR_HEADERS.code, err.code);
    c.header(ERROR_HEADERS.message, encodeURIComponent(err.message));
    if (err.suggestion) c.header(ERROR_HEADERS.suggestion, encodeURIComponent(err.suggestion));
  }
  return c.json(body, err.status);
}

export interface FieldIssue {
  field: string;
  message: string;
  code: string;
}

export function zodDetails(e: ZodError, location?: string): FieldIssue[] {
  return e.issues.map((i) => {
    const path = i.path.map(String).join('.');
    const keys = 'keys' in i && Array.isArray(i.keys) ? ` (${i.keys.join(', ')})` : '';
    return { field: [location, path].filter(Boolean).join('.') || '(root)', message: i.message + keys, code: i.code };
  });
}

export function validationError(e: ZodError, location?: string): ZeblitError {
  const details = zodDetails(e, location);
  const first = details[0];
  const summary = first ? `${first.field}: ${first.message}` : 'invalid input';
  return new ZeblitError('VALIDATION_FAILED', `Invalid request: ${summary}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}`, {
    details,
    suggestion: 'See GET /api/v1/openapi.json for the expected shape.',
  });
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/**
 * The machine's storage refusing a write (a full disk, a read-only file
 * system or database) is neither the caller's mistake nor a bug: it gets its
 * own code, whichever domain was writing. Writes are atomic (a temporary file
 * renamed into place; one SQLite transaction), so what was refused leaves no half-written file or row.
 */
function storageError(err: unknown): ZeblitError | null {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL')
    return new ZeblitError('STORAGE_FULL', 'The disk that holds Zeblit\'s data is full: the request was not completed', {
      suggestion: 'Free space on the disk of ZEBLIT_HOME (`zeblit daemon status` shows where it is), then try again; no restart is needed.',
      cause: err,
    });
  if (code === 'EROFS' || code === 'EIO' || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_IOERR'))
    return new ZeblitError('STORAGE_UNAVAILABLE', 'Zeblit\'s data cannot be written right now (read-only or failing storage): the request was not completed', {
      suggestion: 'Make ZEBLIT_HOME and its zeblit.db (with -wal) writable by the daemon\'s user again, or check the disk (dmesg); reads keep working and no restart is needed.',
      cause: err,
    });
  return null;
}

/** Everything thrown anywhere becomes a ZeblitError here; `internal` is true for the ones that are our fault. */
export function toZeblitError(err: unknown): { error: ZeblitError; internal: boolean } {
  if (err instanceof ZeblitError) return { error: err, internal: false };
  const storage = storageError(err) ?? storageError(err instanceof Error ? err.cause : undefined);
  if (storage) return { error: storage, internal: false };
  if (err instanceof ZodError) return { error: validationError(err), internal: false };
  if (err instanceof HTTPException) {
    if (err.status === 400 && /json/i.test(err.message))
      return { error: new ZeblitError('INVALID_JSON', 'The request body is not valid JSON', { suggestion: 'Send a JSON object with Content-Type: application/json.' }), internal: false };
    if (err.status === 413)
      return { error: new ZeblitError('PAYLOAD_TOO_LARGE', 'The request body is too large', { suggestion: 'Send a smaller body, or use the upload endpoint for files.' }), internal: false };
    if (err.status === 415)
      return { error: new ZeblitError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported Content-Type', { suggestion: 'Send the body as JSON with Content-Type: application/json.' }), internal: false };
    const code = STATUS_CODES[err.status];
    if (code) return { error: new ZeblitError(code, err.message || code), internal: false };
  }
  return { error: new ZeblitError('INTERNAL', 'Internal error; the daemon log has the details under this request id'), internal: true };
}
