/**
 * What both adapters share: turning whatever a call threw into a
 * ProviderFailure (retryable or not, retry-after, cancelled) without ever
 * letting the API key into a message, and the watchdog that ends a stream
 * that has gone quiet (the SDKs' `timeout` stops at the response headers).
 */
import type { ProviderName } from '../../contracts/index.ts';
import { ProviderFailure } from '../types.ts';

/** The parts of an SDK's APIError both vendors' SDKs share. */
export interface SdkApiError {
  status: number | undefined;
  headers: Headers | undefined;
  error: unknown;
  message: string;
}

export interface SdkErrorClasses {
  APIError: abstract new (...args: never[]) => Error;
  APIUserAbortError: abstract new (...args: never[]) => Error;
  APIConnectionError: abstract new (...args: never[]) => Error;
  APIConnectionTimeoutError: abstract new (...args: never[]) => Error;
}

export interface CallContext {
  provider: ProviderName;
  apiKey: string;
  baseURL: string;
  timeoutMs: number;
  /** The caller's signal: aborted means cancelled. */
  signal: AbortSignal;
  watchdog: Watchdog;
}

const RETRYABLE_STATUS = new Set([408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529]);
/** Error types a vendor sends inside a stream (no HTTP status any more) that another try may get past. */
const RETRYABLE_TYPES = new Set(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error', 'server_error']);

/**
 * Removes the key, and anything shaped like one, from text a vendor or the
 * network stack produced (OpenAI's 401 quotes part of the key).
 */
export function scrub(text: string, apiKey: string): string {
  let out = text;
  if (apiKey.length >= 4) out = out.split(apiKey).join('***');
  return out.replace(/\bsk-[\w*-]{4,}/g, 'sk-***');
}

/** retry-after-ms, or retry-after in seconds or as an HTTP date; null when absent or unreadable. */
export function retryAfterSeconds(headers: Headers | undefined, now = Date.now()): number | null {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms) / 1000;
  const v = headers?.get('retry-after');
  if (!v) return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, (at - now) / 1000);
}

function vendorMessage(e: SdkApiError): string | null {
  const body = e.error;
  if (typeof body === 'object' && body !== null) {
    const inner = (body as { error?: unknown }).error;
    const msg = typeof inner === 'object' && inner !== null ? (inner as { message?: unknown }).message : (body as { message?: unknown }).message;
    if (typeof msg === 'string' && msg !== '') return msg;
  }
  return null;
}

function vendorType(e: SdkApiError): string | null {
  const body = e.error as { type?: unknown; error?: { type?: unknown } } | undefined;
  const t = body?.error?.type ?? body?.type;
  return typeof t === 'string' ? t : null;
}

/** Translates anything a provider call threw. Call it from the adapter's catch, and after a stream that ended quietly. */
export function toFailure(err: unknown, ctx: CallContext, sdk: SdkErrorClasses): ProviderFailure {
  const { provider } = ctx;
  if (err instanceof ProviderFailure) return err;
  if (ctx.signal.aborted) return cancelled(provider, err);
  if (ctx.watchdog.fired || err instanceof sdk.APIConnectionTimeoutError) {
    return new ProviderFailure(provider, `${provider} did not answer within ${ctx.timeoutMs} ms`, { retryable: true, cause: err });
  }
  if (err instanceof sdk.APIUserAbortError) return cancelled(provider, err);
  if (err instanceof sdk.APIConnectionError) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return new ProviderFailure(provider, scrub(`could not reach ${provider} at ${ctx.baseURL}${cause}`, ctx.apiKey), { retryable: true, cause: err });
  }
  if (err instanceof sdk.APIError) return fromStatus(err as unknown as SdkApiError, ctx);
  // Not the SDK's own error: the body broke off mid-stream (undici's "terminated", a reset socket).
  const message = err instanceof Error ? err.message : String(err);
  return new ProviderFailure(provider, scrub(`the connection to ${provider} broke: ${message}`, ctx.apiKey), { retryable: true, cause: err });
}

function fromStatus(e: SdkApiError, ctx: CallContext): ProviderFailure {
  const { provider } = ctx;
  const status = e.status ?? null;
  const said = vendorMessage(e);
  const detail = said ? `: ${scrub(said, ctx.apiKey)}` : '';
  if (status === null) {
    // An error event inside a stream (e.g. Anthropic's overloaded_error): no status, only a type.
    const type = vendorType(e);
    return new ProviderFailure(provider, `${provider} reported an error mid-stream (${type ?? 'unknown'})${detail}`, { retryable: type === null || RETRYABLE_TYPES.has(type), cause: e });
  }
  const opts = { status, cause: e };
  if (status === 401) return new ProviderFailure(provider, `the ${provider} API key was refused (401); check the key`, { ...opts, retryable: false });
  if (status === 403) return new ProviderFailure(provider, `the ${provider} API refused access (403)${detail}`, { ...opts, retryable: false });
  if (status === 404) return new ProviderFailure(provider, `the ${provider} API answered 404 (unknown model or wrong base URL ${ctx.baseURL})${detail}`, { ...opts, retryable: false });
  if (status === 429) return new ProviderFailure(provider, `${provider} rate limit or quota reached (429)${detail}`, { ...opts, retryable: true, retryAfterSeconds: retryAfterSeconds(e.headers) });
  if (RETRYABLE_STATUS.has(status) || status >= 500) {
    return new ProviderFailure(provider, `${provider} failed (${status})${detail}`, { ...opts, retryable: true, retryAfterSeconds: retryAfterSeconds(e.headers) });
  }
  return new ProviderFailure(provider, `${provider} refused the request (${status})${detail}`, { ...opts, retryable: false });
}

function cancelled(provider: ProviderName, cause: unknown): ProviderFailure {
  return new ProviderFailure(provider, `the ${provider} call was cancelled`, { retryable: false, cancelled: true, cause });
}

/**
 * Aborts its signal when `kick()` has not been called for `ms`: a stream
 * that stops sending fails as a timeout instead of hanging. A kick only
 * notes the time (one per chunk, so it must cost nothing); the one timer
 * looks at that time when it fires and waits again for the rest.
 */
export class Watchdog {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private last = 0;
  fired = false;

  constructor(private readonly ms: number) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  kick(): void {
    this.last = performance.now();
    if (this.timer === null && !this.fired) this.arm(this.ms);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      const quiet = performance.now() - this.last;
      if (quiet < this.ms) return this.arm(this.ms - quiet);
      this.timer = null;
      this.fired = true;
      this.controller.abort(new Error(`no data for ${this.ms} ms`));
    }, ms);
  }
}

/** The error for a stream that ended without its closing event. */
export function endedEarly(provider: ProviderName): ProviderFailure {
  return new ProviderFailure(provider, `the ${provider} stream ended before the answer was complete`, { retryable: true });
}
