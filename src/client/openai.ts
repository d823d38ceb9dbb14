import type { OpenAIErrorBody, OpenAIModelList } from '../contracts/index.ts';
import { ZeblitApiError } from './errors.ts';
import type { RawResponse } from './http.ts';
import type { HttpMethod, RequestOptions } from './requester.ts';

/** What this API needs of the client: an exchange at an absolute path. */
export interface RawAtRequester {
  rawAt(method: HttpMethod, path: string, options?: RequestOptions): Promise<RawResponse>;
}

/**
 * The OpenAI-compatible API under /v1, for Zeblit's own tools (`zeblit
 * openai`). Its answers are OpenAI's shapes, not the envelope: errors
 * (`{ error: { message, type, param, code } }`) become ZeblitApiError with
 * OpenAI's code (model_not_found, invalid_api_key, …).
 */
export class OpenAICompatApi {
  constructor(private readonly r: RawAtRequester) {}

  async models(): Promise<OpenAIModelList> {
    return this.json<OpenAIModelList>(await this.r.rawAt('GET', '/v1/models'));
  }

  private json<T>(res: RawResponse): T {
    let body: unknown;
    try {
      body = JSON.parse(res.body);
    } catch {
      throw new ZeblitApiError('UNEXPECTED_RESPONSE', `The daemon answered HTTP ${res.status} with something that is not JSON`, { status: res.status });
    }
    if (res.status >= 400) {
      const e = (body as Partial<OpenAIErrorBody>).error;
      const id = res.headers['x-request-id'];
      throw new ZeblitApiError(e?.code ?? e?.type ?? 'UNEXPECTED_RESPONSE', e?.message ?? `HTTP ${res.status}`, { status: res.status, requestId: typeof id === 'string' ? id : undefined });
    }
    return body as T;
  }
}
