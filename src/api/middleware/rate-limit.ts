import type { MiddlewareHandler } from 'hono';
import { ZeblitError } from '../../contracts/index.ts';
import { callerAddress, type AppEnv } from '../env.ts';

export interface RateLimitOptions {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size: the burst a client may spend at once. */
  burst: number;
  now?: () => number;
  /** Buckets idle this long are forgotten. */
  idleMs?: number;
  /** At most this many buckets (default 10,000): past it the least recently used goes, so callers rotating addresses cannot grow memory. */
  maxEntries?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** A token bucket per API key (the socket owner without a key has one, anonymous callers one per address). */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  constructor(private readonly opts: RateLimitOptions) {}

  take(id: string): { allowed: boolean; remaining: number; retryAfterMs: number; resetMs: number } {
    const now = (this.opts.now ?? Date.now)();
    this.sweep(now);
    const { perSecond, burst } = this.opts;
    const b = this.buckets.get(id) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    // Re-inserted so the map's order is least recently used first: that one goes when the map is full.
    this.buckets.delete(id);
    if (this.buckets.size >= (this.opts.maxEntries ?? 10_000)) this.buckets.delete(this.buckets.keys().next().value as string);
    this.buckets.set(id, b);
    const resetMs = Math.ceil(((burst - b.tokens) / perSecond) * 1000);
    if (b.tokens < 1) return { allowed: false, remaining: 0, retryAfterMs: Math.ceil(((1 - b.tokens) / perSecond) * 1000), resetMs };
    b.tokens -= 1;
    return { allowed: true, remaining: Math.floor(b.tokens), retryAfterMs: 0, resetMs: Math.ceil(((burst - b.tokens) / perSecond) * 1000) };
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    const idle = this.opts.idleMs ?? 10 * 60_000;
    if (now - this.lastSweep < idle) return;
    this.lastSweep = now;
    for (const [k, b] of this.buckets) if (now - b.at > idle) this.buckets.delete(k);
  }
}

export function rateLimit(opts: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const buckets = new TokenBuckets(opts);
  return async function rateLimit(c, next) {
    const p = c.get('principal');
    // Anonymous callers (what may reach a TCP listener without a key) each get their own bucket by address, so one cannot starve the others.
    const id = p?.keyId ?? (p ? `socket:${p.user.id}` : `anon:${c.env?.transport ?? 'tcp'}:${callerAddress(c.env)}`);
    const r = buckets.take(id);
    const headers = {
      'X-RateLimit-Limit': String(opts.burst),
      'X-RateLimit-Remaining': String(r.remaining),
      'X-RateLimit-Reset': String(Math.ceil(r.resetMs / 1000)),
    };
    if (!r.allowed) {
      const retry = String(Math.max(1, Math.ceil(r.retryAfterMs / 1000)));
      throw new ZeblitError('RATE_LIMITED', `Too many requests: this key may make ${opts.perSecond} per second (bursts of ${opts.burst})`, {
        suggestion: `Retry after ${retry} s.`,
        headers: { ...headers, 'Retry-After': retry },
      });
    }
    for (const [k, v] of Object.entries(headers)) c.header(k, v);
    await next();
  };
}
