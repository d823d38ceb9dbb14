import type { ContainerStatus, PageOf, RunStarted, RunSummary } from '../../src/contracts/index.ts';
import { seg } from '../../src/client/requester.ts';
import type { WebRequester } from './http.ts';

/** /projects/{id}/container/… and runs. A command the page starts runs detached: its output arrives live on the console topic. */
export class WebContainersApi {
  constructor(private readonly r: WebRequester) {}

  status(ref: string): Promise<ContainerStatus> {
    return this.r.request('GET', `/projects/${seg(ref)}/container/status`);
  }

  action(ref: string, what: 'start' | 'stop' | 'restart'): Promise<ContainerStatus> {
    return this.r.request('POST', `/projects/${seg(ref)}/container/${what}`, { timeoutMs: 300_000 });
  }

  /** A string runs under `sh -c`; an array is the argv as is. */
  run(ref: string, command: string | string[], cwd?: string): Promise<RunStarted> {
    return this.r.request('POST', `/projects/${seg(ref)}/container/execute`, { json: { command, detach: true, ...(cwd ? { cwd } : {}) } });
  }

  runs(ref: string): Promise<PageOf<RunSummary>> {
    return this.r.request('GET', `/projects/${seg(ref)}/runs`, { query: { limit: 20 } });
  }

  kill(ref: string, runId: string): Promise<unknown> {
    return this.r.request('POST', `/projects/${seg(ref)}/runs/${seg(runId)}/kill`);
  }
}
