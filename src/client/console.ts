import type { z } from 'zod';
import type { Analysis, ClearResult, ConsoleHistory, ConsoleHistoryQuery, DetectedErrorInfo, ErrorsQuery } from '../contracts/index.ts';
import { seg, type Requester } from './requester.ts';

export type HistoryParams = Partial<z.output<typeof ConsoleHistoryQuery>>;
export type ErrorsParams = Partial<z.output<typeof ErrorsQuery>>;

/** /api/v1/projects/{id}/console: history, detected errors, analysis. Live lines come over the event stream. */
export class ConsoleApi {
  constructor(private readonly r: Requester) {}

  history(ref: string, query: HistoryParams = {}): Promise<ConsoleHistory> {
    return this.r.request('GET', `/projects/${seg(ref)}/console/history`, { query: { ...query } });
  }

  clear(ref: string): Promise<ClearResult> {
    return this.r.request('DELETE', `/projects/${seg(ref)}/console/clear`);
  }

  errors(ref: string, query: ErrorsParams = {}): Promise<DetectedErrorInfo[]> {
    return this.r.request('GET', `/projects/${seg(ref)}/console/errors`, { query: { ...query } });
  }

  analyze(ref: string, body: { since?: number; run_id?: string; ai?: boolean } = {}): Promise<Analysis> {
    return this.r.request('POST', `/projects/${seg(ref)}/console/analyze`, { json: body });
  }
}
