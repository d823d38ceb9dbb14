export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type QueryValue = string | number | boolean | null | undefined;
export type Query = Record<string, QueryValue | readonly QueryValue[]>;

export interface RequestOptions {
  query?: Query;
  /** Sent as the JSON body with Content-Type: application/json. */
  json?: unknown;
  headers?: Record<string, string>;
  /** Overrides the client's default deadline for this request. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** What the resource groups need from the client: one enveloped request. */
export interface Requester {
  request<T>(method: HttpMethod, path: string, options?: RequestOptions): Promise<T>;
}

/** `?a=1&b=x` from a query object; undefined and null are left out, arrays repeat the key. */
export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    const values: readonly QueryValue[] = Array.isArray(value) ? value : [value as QueryValue];
    for (const v of values) if (v !== undefined && v !== null) params.append(key, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** One path segment, escaped: ids and names are user input. */
export const seg = (value: string): string => encodeURIComponent(value);
