import type {
  ContainerLogs,
  ContainerStatus,
  ExecStreamRecord,
  ExecuteRequest,
  ExecuteResult,
  EngineInfo,
  ImageStatus,
  KillQuery,
  LogLine,
  PageOf,
  Run,
  RunStarted,
  RunStatus,
  RunSummary,
} from '../contracts/index.ts';
import { API_VERSION } from '../contracts/version.ts';
import { queryString, seg, type Requester } from './requester.ts';
import { streamNdjson, type StreamRequester } from './stream.ts';

const base = `/api/${API_VERSION}`;

export interface RunListParams {
  status?: RunStatus;
  limit?: number;
  offset?: number;
}

/** /projects/{id}/container/… and /projects/{id}/runs: the project's container and the commands run in it. */
export class ContainersApi {
  constructor(private readonly r: Requester & StreamRequester) {}

  status(ref: string): Promise<ContainerStatus> {
    return this.r.request('GET', `/projects/${seg(ref)}/container/status`);
  }

  start(ref: string): Promise<ContainerStatus> {
    return this.r.request('POST', `/projects/${seg(ref)}/container/start`, { timeoutMs: 300_000 });
  }

  stop(ref: string): Promise<ContainerStatus> {
    return this.r.request('POST', `/projects/${seg(ref)}/container/stop`, { timeoutMs: 120_000 });
  }

  restart(ref: string): Promise<ContainerStatus> {
    return this.r.request('POST', `/projects/${seg(ref)}/container/restart`, { timeoutMs: 300_000 });
  }

  logs(ref: string, query: { tail?: number; since?: number } = {}): Promise<ContainerLogs> {
    return this.r.request('GET', `/projects/${seg(ref)}/container/logs`, { query: { ...query } });
  }

  /** Follows the container's output until `signal` aborts or the container stops. */
  followLogs(ref: string, query: { tail?: number; since?: number }, onLine: (line: LogLine) => void, signal?: AbortSignal): Promise<void> {
    const path = `${base}/projects/${seg(ref)}/container/logs${queryString({ ...query, follow: true })}`;
    return streamNdjson<{ type: 'line' } & LogLine>(this.r, { method: 'GET', path, signal }, ({ type: _t, ...line }) => onLine(line));
  }

  /** Runs a command and waits for it (no streaming). */
  execute(ref: string, body: Omit<ExecuteRequest, 'detach'>): Promise<ExecuteResult> {
    const timeout = ((body.timeout_seconds ?? 120) + 30) * 1000;
    return this.r.request('POST', `/projects/${seg(ref)}/container/execute`, { json: { ...body, detach: false }, timeoutMs: timeout });
  }

  /** Starts a command in the background: follow it with run(), stop it with kill(). */
  detach(ref: string, body: Omit<ExecuteRequest, 'detach'>): Promise<RunStarted> {
    return this.r.request('POST', `/projects/${seg(ref)}/container/execute`, { json: { ...body, detach: true } });
  }

  /** Runs a command, handing over stdout/stderr records as they are produced; resolves with the exit record. */
  async stream(ref: string, body: Omit<ExecuteRequest, 'detach'>, onRecord: (r: ExecStreamRecord) => void, signal?: AbortSignal): Promise<ExecuteResult> {
    let result: ExecuteResult | null = null;
    let failure: Extract<ExecStreamRecord, { type: 'error' }> | null = null;
    await streamNdjson<ExecStreamRecord>(this.r, { method: 'POST', path: `${base}/projects/${seg(ref)}/container/execute`, json: { ...body, detach: false }, signal }, (rec) => {
      if (rec.type === 'exit') result = rec.result;
      if (rec.type === 'error') failure = rec;
      onRecord(rec);
    });
    if (result) return result;
    const f = failure as Extract<ExecStreamRecord, { type: 'error' }> | null;
    throw new Error(f ? `${f.code}: ${f.message}` : 'The stream ended without an exit record');
  }

  runs(ref: string, query: RunListParams = {}): Promise<PageOf<RunSummary>> {
    return this.r.request('GET', `/projects/${seg(ref)}/runs`, { query: { ...query } });
  }

  run(ref: string, runId: string): Promise<Run> {
    return this.r.request('GET', `/projects/${seg(ref)}/runs/${seg(runId)}`);
  }

  kill(ref: string, runId: string, signal: KillQuery['signal'] = 'TERM'): Promise<Run> {
    return this.r.request('POST', `/projects/${seg(ref)}/runs/${seg(runId)}/kill`, { query: { signal }, timeoutMs: 60_000 });
  }

  /** `check`: look up in the engine the templates not used yet (no pull). */
  images(options: { check?: boolean } = {}): Promise<ImageStatus[]> {
    return this.r.request('GET', '/containers/images', { query: options.check ? { check: 'true' } : {} });
  }

  /** The engine and the limits it can enforce (for `zeblit doctor`). */
  engine(): Promise<EngineInfo> {
    return this.r.request('GET', '/containers/engine');
  }
}
