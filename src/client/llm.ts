import type { LlmConfigUpdate, LlmConfigView, ProviderCheckReport, UsageReport } from '../contracts/index.ts';
import type { Requester } from './requester.ts';

/** The usage query as a caller writes it; times are UTC milliseconds, `project` an id or a name. */
export interface UsageParams {
  group_by?: 'project' | 'agent' | 'model' | 'provider' | 'client' | 'day';
  project?: string;
  since?: number;
  until?: number;
}

/** /api/v1/config/llm and /api/v1/usage. Keys go in through `update`; nothing here ever returns one. */
export class LlmApi {
  constructor(private readonly r: Requester) {}

  config(): Promise<LlmConfigView> {
    return this.r.request('GET', '/config/llm');
  }

  update(body: LlmConfigUpdate): Promise<LlmConfigView> {
    return this.r.request('PUT', '/config/llm', { json: body });
  }

  usage(query: UsageParams = {}): Promise<UsageReport> {
    return this.r.request('GET', '/usage', { query: { ...query } });
  }

  /** Asks each enabled provider for a one-token answer (admin; costs a few tokens each). */
  check(): Promise<ProviderCheckReport> {
    return this.r.request('POST', '/config/llm/check', { timeoutMs: 60_000 });
  }
}
