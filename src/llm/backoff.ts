/** How long the service waits before retrying a provider, and the wait itself (cut short by the caller's abort). */
import type { ProviderFailure } from './types.ts';

export interface Backoff {
  /** First retry waits about this long; each next one twice as long. */
  baseMs: number;
  capMs: number;
  /** A retry-after longer than this is cut to it. */
  retryAfterCapMs: number;
}

/** Exponential with jitter (50–100 % of the step), or the vendor's retry-after when that is longer (capped). */
export function retryDelay(b: Backoff, attempt: number, failure: ProviderFailure, random: () => number): number {
  const exp = Math.min(b.capMs, b.baseMs * 2 ** (attempt - 1));
  const jittered = exp * (0.5 + random() * 0.5);
  const asked = failure.retryAfterSeconds === null ? 0 : Math.min(b.retryAfterCapMs, failure.retryAfterSeconds * 1000);
  return Math.max(jittered, asked);
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('aborted'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
