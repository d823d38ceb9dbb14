/**
 * Helpers for the real-time process tests (realtime*.test.ts): a raw `ws`
 * probe that records every server message, the daemon bundle to start
 * (ZEBLIT_E2E_DIST=.build-x runs a side build instead of dist/), and checks
 * for numbered console output (every line once, in order, seqs increasing).
 */
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { ConsoleHistory, ExecuteResult, Project, Topic, WsServerMessage, ZeblitEvent } from '../../src/contracts/index.ts';
import { DAEMON_JS, ROOT, dataOf, request, sock, waitFor, type DaemonProc } from './helpers.ts';

/** The daemon bundle under test: dist/ unless ZEBLIT_E2E_DIST names another build folder inside the repo. */
export const DAEMON_SCRIPT = process.env.ZEBLIT_E2E_DIST ? join(ROOT, process.env.ZEBLIT_E2E_DIST, 'zeblitd.js') : DAEMON_JS;

export interface ProbeOptions {
  headers?: Record<string, string>;
  protocols?: string[];
}

export interface Refusal {
  status: number;
  headers: IncomingHttpHeaders;
}

/**
 * One WebSocket and everything it received, parsed. `opened` rejects with a
 * Refusal when the upgrade is answered with an HTTP status instead.
 */
export class WsProbe {
  readonly ws: WebSocket;
  readonly messages: WsServerMessage[] = [];
  readonly events: ZeblitEvent[] = [];
  readonly opened: Promise<IncomingHttpHeaders>;
  readonly closed: Promise<{ code: number; reason: string }>;
  closeCode: number | null = null;

  constructor(url: string, opts: ProbeOptions = {}) {
    this.ws = new WebSocket(url, opts.protocols ?? [], { headers: opts.headers, handshakeTimeout: 10_000 });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('upgrade', (res: IncomingMessage) => resolve(res.headers));
      this.ws.once('unexpected-response', (req, res) => {
        req.destroy();
        reject(Object.assign(new Error(`upgrade refused: HTTP ${res.statusCode}`), { status: res.statusCode ?? 0, headers: res.headers } satisfies Refusal));
      });
      this.ws.once('error', reject);
    });
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) =>
      this.ws.on('close', (code, reason) => {
        this.closeCode = code;
        resolve({ code, reason: reason.toString() });
      }),
    );
    this.ws.on('error', () => undefined);
    this.ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as WsServerMessage;
      this.messages.push(msg);
      if (msg.type === 'event') this.events.push(msg.event);
    });
  }

  /** Resolves with the first message of this type, looking from index `from` on. */
  next<T extends WsServerMessage['type']>(type: T, from = 0, timeoutMs = 10_000): Promise<Extract<WsServerMessage, { type: T }>> {
    return waitFor(`a "${type}" message`, () => this.messages.slice(from).find((m): m is Extract<WsServerMessage, { type: T }> => m.type === type), timeoutMs, 10);
  }

  /** Sends a subscribe and resolves with the answer to it: `subscribed` or `error`. */
  async subscribe(projectId: string, topics: Topic[], sinceSeq?: number): Promise<Extract<WsServerMessage, { type: 'subscribed' | 'error' }>> {
    await this.next('hello');
    const id = `sub-${this.messages.length}`;
    this.ws.send(JSON.stringify({ type: 'subscribe', id, project_id: projectId, topics, ...(sinceSeq === undefined ? {} : { since_seq: sinceSeq }) }));
    return waitFor(
      'the answer to subscribe',
      () => this.messages.find((m): m is Extract<WsServerMessage, { type: 'subscribed' | 'error' }> => (m.type === 'subscribed' || m.type === 'error') && m.id === id),
      15_000,
      10,
    );
  }

  /** Console lines received so far (console.output only). */
  lines(): ZeblitEvent[] {
    return this.events.filter((e) => e.type === 'console.output');
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}

export const socketUrl = (d: DaemonProc, path: string) => `ws+unix://${d.socket}:/api/v1${path}`;
export const tcpUrl = (d: DaemonProc, path: string) => `ws://127.0.0.1:${d.port}/api/v1${path}`;

/** Opens a probe and waits for its handshake (throws the Refusal when refused). */
export async function openProbe(url: string, opts: ProbeOptions = {}): Promise<WsProbe> {
  const p = new WsProbe(url, opts);
  await p.opened;
  return p;
}

export const textOf = (e: ZeblitEvent): string => (e.data as { text: string }).text;

/**
 * Asserts that `events` are the console lines "1".."n", each once, in order,
 * with strictly increasing seqs. Reports the first place it goes wrong (a
 * deep diff of 100,000 items would say nothing useful).
 */
export function assertNumbered(events: readonly { seq: number; text: string }[], n: number, what: string): void {
  let previous = 0;
  for (let i = 0; i < Math.min(events.length, n); i++) {
    const e = events[i] as { seq: number; text: string };
    if (e.text !== String(i + 1) || e.seq <= previous) {
      const around = events.slice(Math.max(0, i - 2), i + 3).map((x) => `${x.seq}:${JSON.stringify(x.text)}`);
      assert.fail(`${what}: item ${i} should be line "${i + 1}" after seq ${previous}, got ${around.join(' ')} (${events.length} items in all)`);
    }
    previous = e.seq;
  }
  assert.equal(events.length, n, `${what}: ${events.length} lines instead of ${n} (last: ${JSON.stringify(events.at(-1)?.text)})`);
}

export const asLines = (events: readonly ZeblitEvent[]) => events.map((e) => ({ seq: e.seq, text: textOf(e) }));

/** Runs a command (a string for `sh -c`, or an argv) in the project container and waits for its result. */
export async function execIn(d: DaemonProc, p: Project, command: string | string[], timeoutSeconds = 120): Promise<ExecuteResult> {
  return dataOf(
    await request<ExecuteResult>(sock(d), {
      method: 'POST',
      path: `/api/v1/projects/${p.id}/container/execute`,
      json: { command, timeout_seconds: timeoutSeconds },
      timeoutMs: (timeoutSeconds + 30) * 1000,
    }),
  );
}

/** Every stored console line of a run, paged forward from the start. */
export async function historyOfRun(d: DaemonProc, p: Project, runId: string): Promise<{ seq: number; text: string }[]> {
  const out: { seq: number; text: string }[] = [];
  let since = 0;
  for (;;) {
    const page = dataOf(await request<ConsoleHistory>(sock(d), { path: `/api/v1/projects/${p.id}/console/history?run_id=${runId}&since_seq=${since}&limit=5000`, timeoutMs: 30_000 }));
    for (const item of page.items) out.push({ seq: item.seq, text: item.text });
    if (!page.has_more || page.items.length === 0) return out;
    since = page.items.at(-1)?.seq ?? since;
  }
}

export interface HubStats {
  connections: number;
  by_client_type: Record<string, number>;
  subscriptions: number;
  events_sent: number;
  dropped_slow: number;
  dropped_dead: number;
}

export async function hubStats(d: DaemonProc): Promise<HubStats> {
  return dataOf(await request<HubStats>(sock(d), { path: '/api/v1/ws/stats' }));
}

export async function createProject(d: DaemonProc, name: string, template: Project['template']): Promise<Project> {
  return dataOf(await request<Project>(sock(d), { method: 'POST', path: '/api/v1/projects', json: { name, template } }));
}

/** Deletes the projects (their containers go with them); failures are only reported, cleanup goes on. */
export async function deleteProjects(d: DaemonProc | undefined, projects: Project[]): Promise<void> {
  if (!d || d.child.exitCode !== null) return;
  for (const p of projects) {
    const r = await request(sock(d), { method: 'DELETE', path: `/api/v1/projects/${p.id}`, timeoutMs: 60_000 }).catch((e: unknown) => ({ status: 0, text: String(e) }));
    if (r.status !== 200) console.error(`could not delete project ${p.name}: ${r.status} ${r.text.slice(0, 200)}`);
  }
}
