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
import { unwrapEnvelope } from './envelope.ts';
import { ZeblitApiError } from './errors.ts';
import { sendRaw, type RawResponse } from './http.ts';
import { ProjectsApi } from './projects.ts';
import { queryString, type HttpMethod, type RequestOptions, type Requester } from './requester.ts';
import { describeTransport, type ClientTransport } from './transport.ts';
import { UsersApi } from './users.ts';
import { createWebSocket, openWebSocket, type WebSocketOptions } from './websocket.ts';

export const API_BASE = `/api/${API_VERSION}`;

export interface ZeblitClientOptions {
  transport: ClientTransport;
  /** Deadline of each request unless the request says otherwise. Default 30 s. */
  timeoutMs?: number;
  userAgent?: string;
}

/**
 * The typed API client: one method per route, over the Unix socket or TCP.
 * It holds no business logic; it opens envelopes and raises typed errors.
 */
export class ZeblitClient implements Requester {
  readonly transport: ClientTransport;
  readonly timeoutMs: number;
  readonly userAgent: string;
  readonly projects: ProjectsApi;
  readonly users: UsersApi;
  readonly auth: AuthApi;
  readonly audit: AuditApi;
  readonly containers: ContainersApi;
  readonly files: FilesApi;
  readonly console: ConsoleApi;
  readonly agents: AgentsApi;
  readonly llm: LlmApi;

  constructor(options: ZeblitClientOptions) {
    this.transport = options.transport;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.userAgent = options.userAgent ?? `zeblit-client/${VERSION}`;
    this.projects = new ProjectsApi(this);
    this.users = new UsersApi(this);
    this.auth = new AuthApi(this);
    this.audit = new AuditApi(this);
    this.containers = new ContainersApi(this);
    this.files = new FilesApi(this);
    this.console = new ConsoleApi(this);
    this.agents = new AgentsApi(this);
    this.llm = new LlmApi(this);
  }

  /** Where this client points, for messages: the socket path or the origin. */
  get target(): string {
    return describeTransport(this.transport);
  }

  /** One exchange under /api/v1 without opening the envelope (the OpenAPI document is not enveloped). */
  async raw(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<RawResponse> {
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
      path: `${API_BASE}${path}${queryString(options.query)}`,
      headers,
      body,
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
      signal: options.signal,
    });
  }

  /** The envelope's data, or a ZeblitApiError with the envelope's code, message and suggestion. */
  async request<T>(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.raw(method, path, options);
    return unwrapEnvelope<T>(res.status, res.headers, res.body);
  }

  health(options: Pick<RequestOptions, 'timeoutMs' | 'signal'> = {}): Promise<Health> {
    return this.request('GET', '/health', options);
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
