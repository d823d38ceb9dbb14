/**
 * Stable, upper-snake error codes and their HTTP status. A code never changes
 * meaning once released; clients branch on it.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  INVALID_PATH: 400,
  INVALID_TOKEN: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  BUDGET_EXCEEDED: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  NOT_IMPLEMENTED: 501,
  DOCKER_UNAVAILABLE: 503,
  UNAVAILABLE: 503,
  PROVIDER_ERROR: 502,
  LLM_NOT_CONFIGURED: 503,
  TIMEOUT: 504,
  /** The disk that holds ZEBLIT_HOME is full (ENOSPC, EDQUOT, SQLITE_FULL). */
  STORAGE_FULL: 507,
  /** ZEBLIT_HOME or the database cannot be written: read-only or failing storage (EROFS, SQLITE_READONLY, SQLITE_IOERR). */
  STORAGE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

export interface ErrorOptions {
  details?: unknown;
  suggestion?: string;
  headers?: Record<string, string>;
  cause?: unknown;
}

/** The one error type thrown anywhere in Zeblit; the API turns it into the envelope in one place. */
export class ZeblitError extends Error {
  readonly code: ErrorCode;
  readonly status: ErrorStatus;
  readonly details?: unknown;
  readonly suggestion?: string;
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ZeblitError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = options.details;
    this.suggestion = options.suggestion;
    this.headers = options.headers;
  }
}

export const notFound = (what: string, suggestion?: string) =>
  new ZeblitError('NOT_FOUND', `${what} not found`, { suggestion });
export const conflict = (message: string, suggestion?: string) => new ZeblitError('CONFLICT', message, { suggestion });
export const forbidden = (message: string, suggestion?: string) => new ZeblitError('FORBIDDEN', message, { suggestion });
export const unauthorized = (message: string, suggestion?: string) =>
  new ZeblitError('UNAUTHORIZED', message, { suggestion });
export const badRequest = (message: string, suggestion?: string, details?: unknown) =>
  new ZeblitError('BAD_REQUEST', message, { suggestion, details });
