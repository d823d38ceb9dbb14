import type { MiddlewareHandler } from 'hono';
import { ZeblitError } from '../../contracts/index.ts';
import { callerAddress, transportOf, type AppEnv } from '../env.ts';
import { TokenBuckets } from './rate-limit.ts';

export interface AuthFailureLimitOptions {
  /** Failures forgiven per second once the burst is spent. */
  perSecond: number;
  /** Failures an address may make at once before its 401s become 429s. */
  burst: number;
  now?: () => number;
  /** Addresses remembered at most (least recently failed go first). */
  maxEntries?: number;
}

/** 30 failures a minute once a burst of 20 is spent (config.json: auth_failure_limit { per_minute, burst }). */
export const AUTH_FAILURE_DEFAULTS = { perSecond: 0.5, burst: 20 } as const;

/**
 * Limits failed authentication per remote address on TCP: every 401 (a bad,
 * revoked or expired key or token, a malformed header, none at all, or a bad
 * `api_key` in POST /auth/token) takes a token from the address's bucket;
 * once it is empty the 401 is answered as 429 RATE_LIMITED with Retry-After.
 *
 * Invariant: only failures are limited. The check runs after the request was
 * judged, so a request with a valid credential is never refused here, even
 * from an address an attacker floods (on loopback every local process is
 * 127.0.0.1). Telling a valid credential from a bad one costs one keyed hash.
 *
 * The Unix socket is not counted: whoever can open it is already the owner
 * without any token, so guessing tokens there gains nothing.
 */
export function authFailureLimit(opts: AuthFailureLimitOptions = AUTH_FAILURE_DEFAULTS): MiddlewareHandler<AppEnv> {
  const buckets = new TokenBuckets({ perSecond: opts.perSecond, burst: opts.burst, now: opts.now, maxEntries: opts.maxEntries });
  return async function authFailureLimit(c, next) {
    await next();
    if (c.res.status !== 401 || transportOf(c.env) !== 'tcp') return;
    const r = buckets.take(callerAddress(c.env));
    if (r.allowed) return;
    const retry = String(Math.max(1, Math.ceil(r.retryAfterMs / 1000)));
    const why = c.error instanceof ZeblitError ? ` The last failure: ${c.error.message}.` : '';
    throw new ZeblitError('RATE_LIMITED', 'Too many failed authentications from this address', {
      suggestion: `Retry after ${retry} s with a valid key (a valid key is never refused by this limit).${why}`,
      headers: { 'Retry-After': retry },
    });
  };
}
