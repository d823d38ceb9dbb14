import type { Health } from '../contracts/index.ts';
// Values from the zod-free files, not index.ts: the CLI must not build schemas to talk to the daemon.
import { API_VERSION, VERSION } from '../contracts/version.ts';
import type WebSocket from 'ws';
import { AgentsApi } from './agents.ts';
import { AuditApi } from './audit.ts';
import { AuthApi } from './auth.ts';
import { ConsoleApi } from './console.ts';
import { ContainersApi } from './containers.ts';
import { FilesApi } from './files.ts';
import { LlmApi } from './llm.ts';
import { OpenAICompatApi } from './openai.ts';
import { unwrapEnvelope } from './envelope.ts';
import { ZeblitApiError } from './errors.ts';
import { sendRaw, type RawResponse } from './http.ts';
import { downloadStream, type OnProgress } from './transfer.ts';
import type { Writable } from 'node:stream';
import { ProjectsApi } from './projects.ts';
import { SchedulerApi } from './scheduler.ts';
import { queryString, type HttpMethod, type RequestOptions, type Requester } from './requester.ts';
import { describeTransport, type ClientTransport } from './transport.ts';
import { UsersApi } from './users.ts';
import { createWebSocket, openWebSocket, type WebSocketOptions } from './websocket.ts';

export const API_BASE = `/api/${API_VERSION}`;

export interface BackupDownload {
  bytes: number;
  filename: string | null;
  /** As announced by the daemon (X-Zeblit-Backup-Sha256). */
  sha256: string | null;
  files: number;
  /** Files the daemon could not read (named in its log). */
  skipped: number;
}

export interface ZeblitClientOptions {
  transport: ClientTransport;
  /** Deadline of each request unless the request says otherwise. Default 30 s. */
  timeoutMs?: number;
  userAgent?: string;
  /** Called once, with the version the daemon names in its `Server: zeblitd/<version>` header, on the first response that has it. */
  onDaemonVersion?: (version: string) => void;
}

/**
 * The typed API client: one method per route, over the Unix socket or TCP.
 * It holds no business logic; it opens envelopes and raises typed errors.
 */
export class ZeblitClient implements Requester {
  readonly transport: ClientTransport;
  readonly timeoutMs: number;
  readonly userAgent: string;
  private onDaemonVersion: ((version: string) => void) | undefined;
  readonly projects: ProjectsApi;
  readonly users: UsersApi;
  readonly auth: AuthApi;
  readonly audit: AuditApi;
  readonly containers: ContainersApi;
  readonly files: FilesApi;
  readonly console: ConsoleApi;
  readonly agents: AgentsApi;
  readonly llm: LlmApi;
  readonly scheduler: SchedulerApi;
  readonly openai: OpenAICompatApi;

  constructor(options: ZeblitClientOptions) {
    this.transport = options.transport;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.userAgent = options.userAgent ?? `zeblit-client/${VERSION}`;
    this.onDaemonVersion = options.onDaemonVersion;
    this.projects = new ProjectsApi(this);
    this.users = new UsersApi(this);
    this.auth = new AuthApi(this);
    this.audit = new AuditApi(this);
    this.containers = new ContainersApi(this);
    this.files = new FilesApi(this);
    this.console = new ConsoleApi(this);
    this.agents = new AgentsApi(this);
    this.llm = new LlmApi(this);
    this.scheduler = new SchedulerApi(this);
    this.openai = new OpenAICompatApi(this);
  }

  /** Where this client points, for messages: the socket path or the origin. */
  get target(): string {
    return describeTransport(this.transport);
  }

  /** One exchange under /api/v1 without opening the envelope (the OpenAPI document is not enveloped). */
  raw(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<RawResponse> {
    return this.rawAt(method, `${API_BASE}${path}`, options);
  }

  /** One exchange at an absolute path (e.g. /v1/models, the OpenAI-compatible API), not opened. */
  async rawAt(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<RawResponse> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.userAgent };
    if (this.transport.token) headers.authorization = `Bearer ${this.transport.token}`;
    let body: string | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    headers['content-length'] = String(body === undefined ? 0 : Buffer.byteLength(body));
    Object.assign(headers, lowerKeys(options.headers));
    return sendRaw(this.transport, {
      method,
      path: `${path}${queryString(options.query)}`,
      headers,
      body,
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
      signal: options.signal,
    });
  }

  /** The envelope's data, or a ZeblitApiError with the envelope's code, message and suggestion. */
  async request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.raw(method, path, options);
    if (this.onDaemonVersion) {
      const server = res.headers.server;
      const version = typeof server === 'string' ? /^zeblitd\/(\S+)$/.exec(server)?.[1] : undefined;
      if (version !== undefined) {
        const report = this.onDaemonVersion;
        this.onDaemonVersion = undefined;
        report(version);
      }
    }
    return unwrapEnvelope<T>(res.status, res.headers, res.body);
  }

  health(options: Pick<RequestOptions, 'timeoutMs' | 'signal'> = {}): Promise<Health> {
    return this.request('GET', '/health', options);
  }

  /**
   * A full backup of the daemon's home, streamed into `sink` (admin only).
   * Resolves with its size and the sha256 the daemon announced: the caller
   * compares it with what it wrote.
   */
  async backup(sink: Writable, opts: { onProgress?: OnProgress; signal?: AbortSignal } = {}): Promise<BackupDownload> {
    const res = await downloadStream(this, `${API_BASE}/backup`, sink, { ...opts, method: 'POST' });
    const header = (name: string) => {
      const v = res.headers[name];
      return typeof v === 'string' ? v : null;
    };
    return { bytes: res.bytes, filename: res.filename, sha256: header('x-zeblit-backup-sha256'), files: Number(header('x-zeblit-backup-files') ?? 0), skipped: Number(header('x-zeblit-backup-skipped') ?? 0) };
  }

  /** The OpenAPI 3.1 document, as the daemon serves it (plain JSON, no envelope). */
  async openapi(): Promise<Record<string, unknown>> {
    const res = await this.raw('GET', '/openapi.json');
    if (res.status !== 200) return unwrapEnvelope(res.status, res.headers, res.body);
    try {
      return JSON.parse(res.body) as Record<string, unknown>;
    } catch {
      throw new ZeblitApiError('UNEXPECTED_RESPONSE', 'The OpenAPI document is not JSON', { status: res.status });
    }
  }

  /** A WebSocket on an /api/v1 path, not yet open: listen for 'open' yourself, or use connectWebSocket. */
  websocket(path: string, options: WebSocketOptions = {}): Promise<WebSocket> {
    return createWebSocket(this.transport, `${API_BASE}${path}`, { ...options, headers: { 'user-agent': this.userAgent, ...options.headers } });
  }

  /** A WebSocket on an /api/v1 path, resolved once open; refusals become typed errors. */
  connectWebSocket(path: string, options: WebSocketOptions = {}): Promise<WebSocket> {
    return openWebSocket(this.transport, `${API_BASE}${path}`, { ...options, headers: { 'user-agent': this.userAgent, ...options.headers } });
  }
}

function lowerKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = v;
  return out;
}
