/**
 * The page's one way to the API: fetch on the daemon's own origin, the
 * session cookie sent by the browser and the CSRF token added here to every
 * request (the daemon refuses the cookie without it). Answers are opened by
 * the same envelope reader as the Node client, so errors are the same
 * ZeblitApiError with code, message and suggestion.
 */
import { unwrapEnvelope } from '../../src/client/envelope.ts';
import { ZeblitApiError } from '../../src/client/errors.ts';
import { queryString, type HttpMethod, type RequestOptions, type Requester } from '../../src/client/requester.ts';
import { API_VERSION } from '../../src/contracts/version.ts';
import { CSRF_HEADER } from '../../src/contracts/web-names.ts';

export const API_BASE = `/api/${API_VERSION}`;

/** The session's CSRF token and what to do when the daemon no longer knows the session. */
export interface Credentials {
  csrf(): string | null;
  onUnauthorized(message: string): void;
}

export function headersObject(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => (out[k] = v));
  return out;
}

export class WebRequester implements Requester {
  constructor(private readonly creds: Credentials) {}

  /** Headers every request carries: the CSRF token, and JSON unless told otherwise. */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json', ...extra };
    const csrf = this.creds.csrf();
    if (csrf) h[CSRF_HEADER] = csrf;
    return h;
  }

  /** One exchange under /api/v1 as a Response (streams, downloads); a refusal in the envelope is thrown. */
  async fetch(method: HttpMethod, path: string, init: { query?: RequestOptions['query']; body?: BodyInit; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
    const res = await fetch(`${API_BASE}${path}${queryString(init.query)}`, { method, headers: this.headers(init.headers), body: init.body, credentials: 'same-origin', signal: init.signal });
    if (!res.ok) await this.fail(res);
    return res;
  }

  async request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    const signal = options.signal ?? (options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined);
    const res = await fetch(`${API_BASE}${path}${queryString(options.query)}`, { method, headers: this.headers(headers), body, credentials: 'same-origin', signal });
    const text = await res.text();
    try {
      return unwrapEnvelope<T>(res.status, headersObject(res.headers), text);
    } catch (e) {
      if (e instanceof ZeblitApiError && e.status === 401) this.creds.onUnauthorized(e.message);
      throw e;
    }
  }

  /** Throws the envelope's error of a failed answer. */
  private async fail(res: Response): Promise<never> {
    const text = await res.text();
    try {
      unwrapEnvelope(res.status, headersObject(res.headers), text);
    } catch (e) {
      if (e instanceof ZeblitApiError && e.status === 401) this.creds.onUnauthorized(e.message);
      throw e;
    }
    throw new ZeblitApiError('UNEXPECTED_RESPONSE', `HTTP ${res.status}`, { status: res.status });
  }
}

/** A message for people from anything thrown. */
export function describeError(e: unknown): string {
  if (e instanceof ZeblitApiError) return e.suggestion ? `${e.message}. ${e.suggestion}` : e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
