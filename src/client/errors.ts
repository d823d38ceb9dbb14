import type { ErrorCode } from '../contracts/index.ts';

/** Any error the client raises itself, so callers can tell ours from the rest with one `instanceof`. */
export class ZeblitClientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ZeblitClientError';
  }
}

export interface ApiErrorFields {
  status: number;
  requestId?: string;
  suggestion?: string;
  details?: unknown;
  /** Seconds from Retry-After (429, 503), when the daemon sent one. */
  retryAfter?: number;
}

/**
 * The daemon answered with `success: false` (or with something that is not an
 * envelope). `code` is the envelope's stable upper-snake code; a newer daemon
 * may send codes this client does not know, hence the widened string.
 */
export class ZeblitApiError extends ZeblitClientError {
  readonly code: ErrorCode | (string & {});
  readonly status: number;
  readonly requestId?: string;
  readonly suggestion?: string;
  readonly details?: unknown;
  readonly retryAfter?: number;

  constructor(code: ErrorCode | (string & {}), message: string, fields: ApiErrorFields) {
    super(message);
    this.name = 'ZeblitApiError';
    this.code = code;
    this.status = fields.status;
    this.requestId = fields.requestId;
    this.suggestion = fields.suggestion;
    this.details = fields.details;
    this.retryAfter = fields.retryAfter;
  }
}

/** Error codes of the socket layer that mean "nothing is listening there". */
export const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ENOTSOCK', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** Nothing answered at the target (no socket file, nothing listening, unknown host). The request was never delivered. */
export class DaemonUnreachableError extends ZeblitClientError {
  readonly target: string;
  readonly errno: string;

  constructor(target: string, errno: string, cause?: unknown) {
    super(`Cannot reach zeblitd at ${target} (${errno})`, { cause });
    this.name = 'DaemonUnreachableError';
    this.target = target;
    this.errno = errno;
  }
}

/** No complete answer within the deadline; the request may or may not have taken effect. */
export class ClientTimeoutError extends ZeblitClientError {
  readonly target: string;
  readonly timeoutMs: number;

  constructor(target: string, timeoutMs: number) {
    super(`zeblitd at ${target} did not answer within ${timeoutMs} ms`);
    this.name = 'ClientTimeoutError';
    this.target = target;
    this.timeoutMs = timeoutMs;
  }
}

export function errnoOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}
