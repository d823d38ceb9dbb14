/**
 * The webhook sink: POSTs a task's run record to the task's URL. Each attempt
 * has a deadline; a network error, a timeout, a 429 or a 5xx is retried (3
 * times, with a growing pause); any other answer is final. Redirects are
 * followed by hand (at most 3), each target checked as the first one was:
 * http(s) only, never the daemon's own listeners. The check runs on the
 * address DNS gives for the connection itself (node:http's `lookup`), so a
 * name that resolves to 127.0.0.1 cannot sneak past it.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { bareHost, checkWebhookUrl, isOwnAddress, portOf, type OwnListener } from './url-guard.ts';
import type { NotificationSink } from './notifier.ts';

export interface WebhookOptions {
  /** The daemon's TCP listeners now (known once they listen). */
  ownListeners?: () => OwnListener[];
  /** Per attempt (default 10 s). */
  timeoutMs?: number;
  /** Retries after the first attempt (default 3). */
  retries?: number;
  /** Pause before retry n (1-based); default 1 s, 2 s, 4 s. */
  backoffMs?: (retry: number) => number;
  userAgent?: string;
  sleep?: (ms: number) => Promise<void>;
  /** Name resolution (default node:dns lookup); tests map names to addresses. */
  lookup?: typeof dnsLookup;
}

export interface DeliveryResult {
  ok: boolean;
  status: number | null;
  attempts: number;
  error: string | null;
}

const MAX_REDIRECTS = 3;
const RETRYABLE = (status: number) => status === 408 || status === 429 || status >= 500;

class Refused extends Error {}

export class WebhookSender {
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoff: (retry: number) => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: WebhookOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.retries = opts.retries ?? 3;
    this.backoff = opts.backoffMs ?? ((n) => 1000 * 2 ** (n - 1));
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms).unref()));
  }

  get own(): OwnListener[] {
    return this.opts.ownListeners?.() ?? [];
  }

  /** Throws VALIDATION_FAILED when `url` cannot be a webhook (for create and update). */
  check(url: string): void {
    checkWebhookUrl(url, this.own);
  }

  async post(url: string, payload: unknown, headers: Record<string, string> = {}): Promise<DeliveryResult> {
    const body = Buffer.from(JSON.stringify(payload));
    let last: DeliveryResult = { ok: false, status: null, attempts: 0, error: 'not sent' };
    for (let attempt = 1; attempt <= this.retries + 1; attempt++) {
      if (attempt > 1) await this.sleep(this.backoff(attempt - 1));
      try {
        const status = await this.once(url, body, headers);
        last = { ok: status >= 200 && status < 300, status, attempts: attempt, error: status >= 200 && status < 300 ? null : `HTTP ${status}` };
        if (last.ok || !RETRYABLE(status)) return last;
      } catch (e) {
        last = { ok: false, status: null, attempts: attempt, error: e instanceof Error ? e.message : String(e) };
        if (e instanceof Refused) return last;
      }
    }
    return last;
  }

  /** One attempt, following redirects: the final status. */
  private async once(start: string, body: Buffer, headers: Record<string, string>): Promise<number> {
    let target = start;
    for (let hop = 0; ; hop++) {
      let url: URL;
      try {
        url = checkWebhookUrl(target, this.own);
      } catch (e) {
        throw new Refused(hop === 0 ? (e as Error).message : `redirect refused: ${(e as Error).message}`);
      }
      const res = await this.send(url, body, headers);
      res.resume();
      const location = res.headers.location;
      const status = res.statusCode ?? 0;
      if (status < 300 || status >= 400 || !location) return status;
      if (hop >= MAX_REDIRECTS) throw new Refused(`more than ${MAX_REDIRECTS} redirects`);
      target = new URL(location, url).toString();
    }
  }

  private send(url: URL, body: Buffer, headers: Record<string, string>): Promise<IncomingMessage> {
    const port = portOf(url);
    const host = bareHost(url.hostname);
    const own = this.own;
    // Names: the address is checked as it is resolved for this very connection (no second lookup to race).
    const lookup: LookupFunction = (hostname, options, callback) => {
      (this.opts.lookup ?? dnsLookup)(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
        if (err) return callback(err, '', 0);
        const bad = addresses.find((a) => isOwnAddress(a.address, port, own));
        if (bad) return callback(new Refused(`${url.host} resolves to ${bad.address}: that is zeblitd itself`), '', 0);
        if (options.all) return callback(null, addresses as unknown as string, 0);
        const first = addresses[0];
        if (!first) return callback(new Error(`${hostname} has no address`), '', 0);
        callback(null, first.address, first.family);
      });
    };
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': String(body.length), 'user-agent': this.opts.userAgent ?? 'zeblitd', ...headers },
          ...(isIP(host) ? {} : { lookup }),
          timeout: this.timeoutMs,
          agent: false,
        },
        resolve,
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (e) => reject(e instanceof Refused || (e as { cause?: unknown }).cause instanceof Refused ? new Refused(e.message) : e));
      req.end(body);
    });
  }
}

/** Task results with a webhook: their run record, POSTed; the outcome is kept on the run. */
export function webhookSink(sender: WebhookSender): NotificationSink {
  return {
    name: 'webhook',
    async send(n) {
      if (!n.webhook) return null;
      const r = await sender.post(n.webhook.url, n.webhook.payload, { 'x-zeblit-event': n.kind });
      const tries = `${r.attempts} attempt${r.attempts === 1 ? '' : 's'}`;
      return r.ok ? `delivered (HTTP ${r.status}) after ${tries}` : `failed after ${tries}: ${r.error}`;
    },
  };
}
