/**
 * Errors under /v1 in OpenAI's shape, `{ error: { message, type, param, code } }`,
 * with the status OpenAI's clients act on. The one onError of the app calls
 * this for /v1 paths, so the shared middleware (authentication, rate limits,
 * the transport guard, body limits) throws its usual errors and they come
 * out here in this shape; never the /api/v1 envelope.
 *
 * Choices that matter to the clients:
 * - A spent budget is 429 with type and code `insufficient_quota`, exactly
 *   what OpenAI answers for an exhausted quota (tools such as LiteLLM and
 *   aider recognise it and stop), with `x-should-retry: false` so the
 *   official SDKs do not retry it (they retry 429 by default). A 402 would
 *   surface as a generic error in most tools.
 * - No provider configured is 503 with `x-should-retry: false` for the same
 *   reason: waiting does not fix it.
 * - A provider refusing our own key (401/403 upstream) is 502, never 401: the
 *   caller's key is fine, the daemon's configuration is not.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { OpenAIErrorBody } from '../../contracts/index.ts';
import type { ProviderFailureNote } from '../../llm/index.ts';
import { ZeblitError } from '../../contracts/index.ts';
import type { AppEnv } from '../env.ts';

export const OPENAI_BASE = '/v1';

export function isOpenAIPath(path: string): boolean {
  return path === OPENAI_BASE || path.startsWith(`${OPENAI_BASE}/`);
}

export interface OpenAIError {
  status: ContentfulStatusCode;
  body: OpenAIErrorBody;
  headers: Record<string, string>;
}

const NO_RETRY = { 'x-should-retry': 'false' };

interface Detail {
  field?: unknown;
  code?: unknown;
}

function firstDetail(details: unknown): Detail | null {
  return Array.isArray(details) && typeof details[0] === 'object' && details[0] !== null ? (details[0] as Detail) : null;
}

function detailCode(details: unknown): string | null {
  if (details && typeof details === 'object' && !Array.isArray(details) && typeof (details as { code?: unknown }).code === 'string') return (details as { code: string }).code;
  return null;
}

/** The provider failures a PROVIDER_ERROR carries. */
function failuresOf(err: ZeblitError): ProviderFailureNote[] {
  const f = (err.details as { failures?: unknown } | undefined)?.failures;
  return Array.isArray(f) ? (f as ProviderFailureNote[]) : [];
}

export function toOpenAIError(err: ZeblitError): OpenAIError {
  const message = err.suggestion ? `${err.message}. ${err.suggestion}`.replace(/\.\. /g, '. ') : err.message;
  const headers = { ...err.headers };
  const make = (status: ContentfulStatusCode, type: string, code: string | null, param: string | null = null, extra: Record<string, string> = {}): OpenAIError => ({
    status,
    body: { error: { message, type, param, code } },
    headers: { ...headers, ...extra },
  });
  switch (err.code) {
    case 'VALIDATION_FAILED':
    case 'INVALID_JSON':
    case 'INVALID_PATH':
    case 'BAD_REQUEST':
    case 'UNSUPPORTED_MEDIA_TYPE': {
      const d = firstDetail(err.details);
      const param = typeof d?.field === 'string' ? d.field : null;
      const code = typeof d?.code === 'string' ? d.code : err.code === 'INVALID_JSON' ? 'invalid_json' : null;
      return make(400, 'invalid_request_error', code, param);
    }
    case 'UNAUTHORIZED':
      return make(401, 'invalid_request_error', 'invalid_api_key');
    case 'FORBIDDEN':
      return make(403, 'permission_error', 'forbidden');
    case 'NOT_FOUND':
      return make(404, 'invalid_request_error', detailCode(err.details) ?? 'not_found', detailCode(err.details) === 'model_not_found' ? 'model' : null);
    case 'METHOD_NOT_ALLOWED':
      return make(405, 'invalid_request_error', 'method_not_allowed');
    case 'CONFLICT':
      return make(409, 'invalid_request_error', 'conflict');
    case 'PAYLOAD_TOO_LARGE':
      return make(413, 'invalid_request_error', 'request_too_large');
    case 'RATE_LIMITED':
      return make(429, 'rate_limit_error', 'rate_limit_exceeded');
    case 'BUDGET_EXCEEDED':
      return make(429, 'insufficient_quota', 'insufficient_quota', null, NO_RETRY);
    case 'LLM_NOT_CONFIGURED':
      return make(503, 'server_error', 'no_provider_configured', null, NO_RETRY);
    case 'PROVIDER_ERROR':
      return fromProviders(err, make);
    case 'TIMEOUT':
      return make(504, 'server_error', 'timeout');
    case 'INTERNAL':
      return make(500, 'server_error', null);
    default:
      return make(err.status as ContentfulStatusCode, 'server_error', err.code.toLowerCase());
  }
}

/**
 * Every provider failed: the caller learns what it can act on. The first
 * (the asked provider's) failure decides: its 400/413/422 is the request's
 * fault (400), its 404 an unknown model (404); all of them rate limited is
 * a 429; anything else is the upstream failing (502).
 */
function fromProviders(err: ZeblitError, make: (status: ContentfulStatusCode, type: string, code: string | null, param?: string | null, extra?: Record<string, string>) => OpenAIError): OpenAIError {
  const failures = failuresOf(err);
  const first = failures[0]?.status ?? null;
  if (first === 400 || first === 413 || first === 422) return make(400, 'invalid_request_error', 'upstream_invalid_request');
  if (first === 404) return make(404, 'invalid_request_error', 'model_not_found', 'model');
  if (failures.length > 0 && failures.every((f) => f.status === 429)) return make(429, 'rate_limit_error', 'upstream_rate_limited');
  return make(502, 'server_error', 'upstream_error');
}

/** Answers an error in OpenAI's shape (the request id stays in its header, set by the middleware). */
export function openaiFail(c: Context<AppEnv>, err: ZeblitError): Response {
  const e = toOpenAIError(err);
  for (const [k, v] of Object.entries(e.headers)) c.header(k, v);
  return c.json(e.body, e.status);
}
