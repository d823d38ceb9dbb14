/**
 * Proof 3: load and soak. The built daemon under sustained mixed load over TCP
 * (reads of projects, trees, files and console history; file writes; short
 * commands whose output feeds the consoles) while WebSocket clients follow
 * the consoles of the projects. Its vital signs (/health `process`) are
 * sampled every few seconds.
 *
 *   node build.mjs && node --import tsx scripts/proof/load.ts [--duration 60] [--connections 10] [--ws 100]
 *   soak (the long form): --duration 1800
 *
 * Goals: 0 errors (socket errors, timeouts, non-2xx answers, WebSocket
 * clients dropped); p99 reported. For runs of 10 minutes or more also: RSS of
 * the last tenth within 10% of the first tenth after warm-up, the WAL bounded
 * (never over 64 MiB: SQLite checkpoints it), open descriptors flat (±10),
 * event-loop delay flat (p99 of the last tenth ≤ 2× the first tenth + 5 ms).
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon, { type Result } from 'autocannon';
import WebSocket from 'ws';
import type { ProcessStats } from '../../src/contracts/index.ts';
import { startProofDaemon, type ProofDaemon } from './lib/daemon.ts';
import { send } from './lib/http.ts';

export interface LoadOptions {
  durationSeconds: number;
  connections: number;
  wsClients: number;
  projects: number;
  sampleEverySeconds?: number;
  log?: (line: string) => void;
}

export interface Sample {
  at: number;
  stats: ProcessStats;
}

export interface LoadResult {
  requests: number;
  rps: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statuses: Record<string, number>;
  latency: { p50: number; p99: number; max: number };
  wsClients: number;
  wsDropped: number;
  wsMessages: number;
  samples: Sample[];
  durationSeconds: number;
}

const data = (json: unknown) => (json as { data?: Record<string, unknown> } | null)?.data ?? {};

async function health(d: ProofDaemon): Promise<ProcessStats | null> {
  const a = await send({ socket: d.socket, method: 'GET', path: '/api/v1/health' }).catch(() => null);
  return (data(a?.json ?? null).process as ProcessStats | undefined) ?? null;
}

/** WebSocket clients following the consoles; a close before the end counts as a drop. */
function followers(d: ProofDaemon, projectIds: string[], n: number): { ready: Promise<void>; messages: () => number; dropped: () => number; close: () => void } {
  let messages = 0;
  let dropped = 0;
  let closing = false;
  const sockets: WebSocket[] = [];
  const opened: Array<Promise<void>> = [];
  for (let i = 0; i < n; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${d.port}/api/v1/ws`, ['zeblit.v1'], { headers: { authorization: `Bearer ${d.key}` } });
    sockets.push(ws);
    opened.push(
      new Promise<void>((resolve, reject) => {
        ws.once('open', () => {
          ws.send(JSON.stringify({ type: 'subscribe', project_id: projectIds[i % projectIds.length], topics: ['console'] }));
          resolve();
        });
        ws.once('error', reject);
      }),
    );
    ws.on('message', () => messages++);
    ws.on('close', () => {
      if (!closing) dropped++;
    });
  }
  return {
    ready: Promise.all(opened).then(() => undefined),
    messages: () => messages,
    dropped: () => dropped,
    close: () => {
      closing = true;
      for (const ws of sockets) ws.close();
    },
  };
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const d = await startProofDaemon();
  try {
    const ids: string[] = [];
    for (let i = 0; i < opts.projects; i++) {
      const p = await send({ socket: d.socket, method: 'POST', path: '/api/v1/projects', json: { name: `load-${i}`, template: 'blank' } });
      const id = String(data(p.json).id);
      ids.push(id);
      await send({ socket: d.socket, method: 'PUT', path: `/api/v1/projects/${id}/files/app.txt`, json: { content: 'hello\n'.repeat(50) } });
      // The container up before the load: a cold start is not what this measures.
      await send({ socket: d.socket, method: 'POST', path: `/api/v1/projects/${id}/container/execute`, json: { command: 'true' }, timeoutMs: 120_000 });
    }
    const ws = followers(d, ids, opts.wsClients);
    await ws.ready;
    const auth = { authorization: `Bearer ${d.key}`, 'content-type': 'application/json' };
    const pick = () => ids[Math.floor(Math.random() * ids.length)];
    let n = 0;
    const requests = [
      { method: 'GET', setupRequest: (r: object) => ({ ...r, path: '/api/v1/projects' }) },
      { method: 'GET', setupRequest: (r: object) => ({ ...r, path: `/api/v1/projects/${pick()}` }) },
      { method: 'GET', setupRequest: (r: object) => ({ ...r, path: `/api/v1/projects/${pick()}/files/tree` }) },
      { method: 'GET', setupRequest: (r: object) => ({ ...r, path: `/api/v1/projects/${pick()}/files/app.txt` }) },
      { method: 'PUT', setupRequest: (r: object) => ({ ...r, path: `/api/v1/projects/${pick()}/files/load/${n++ % 50}.txt`, body: JSON.stringify({ content: `write ${n}\n` }) }) },
      { method: 'GET', setupRequest: (r: object) => ({ ...r, path: `/api/v1/projects/${pick()}/console/history?limit=50` }) },
      { method: 'POST', setupRequest: (r: object) => ({ ...r, path: `/api/v1/projects/${pick()}/container/execute`, body: JSON.stringify({ command: `echo load ${n++}` }) }) },
    ];
    const samples: Sample[] = [];
    const t0 = Date.now();
    const sampler = setInterval(() => {
      void health(d).then((s) => {
        if (s) samples.push({ at: (Date.now() - t0) / 1000, stats: s });
      });
    }, (opts.sampleEverySeconds ?? 5) * 1000);
    const result = await new Promise<Result>((resolve, reject) => {
      autocannon({ url: `http://127.0.0.1:${d.port}`, connections: opts.connections, duration: opts.durationSeconds, headers: auth, requests, timeout: 30 }, (err, r) => (err ? reject(err) : resolve(r)));
    });
    clearInterval(sampler);
    await sleep(500);
    const statuses: Record<string, number> = {};
    for (const [code, v] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = v.count;
    const out: LoadResult = {
      requests: result.requests.total,
      rps: result.requests.average,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      statuses,
      latency: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
      wsClients: opts.wsClients,
      wsDropped: ws.dropped(),
      wsMessages: ws.messages(),
      samples,
      durationSeconds: opts.durationSeconds,
    };
    ws.close();
    log(`load: ${out.requests} requests in ${opts.durationSeconds} s (${out.rps.toFixed(0)}/s), p50 ${out.latency.p50} ms, p99 ${out.latency.p99} ms; ${out.wsMessages} WebSocket messages to ${opts.wsClients} clients`);
    return out;
  } finally {
    for (const p of ((data((await send({ socket: d.socket, method: 'GET', path: '/api/v1/projects?limit=500' }).catch(() => null))?.json ?? null).items as Array<{ id: string }> | undefined) ?? []))
      await send({ socket: d.socket, method: 'DELETE', path: `/api/v1/projects/${p.id}`, timeoutMs: 60_000 }).catch(() => null);
    await d.stop();
  }
}

const tenth = (samples: Sample[], last: boolean): Sample[] => {
  const k = Math.max(1, Math.floor(samples.length / 10));
  return last ? samples.slice(-k) : samples.slice(0, k);
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export function verdict(r: LoadResult): string[] {
  const missed: string[] = [];
  if (r.errors || r.timeouts || r.non2xx) missed.push(`${r.errors} error(s), ${r.timeouts} timeout(s), ${r.non2xx} non-2xx answer(s) (statuses ${JSON.stringify(r.statuses)})`);
  if (r.wsDropped) missed.push(`${r.wsDropped} WebSocket client(s) dropped`);
  if (r.wsMessages === 0 && r.wsClients > 0) missed.push('the WebSocket clients received nothing');
  if (r.durationSeconds >= 600) {
    // The first minute is warm-up (caches, JIT, SQLite's page cache).
    const steady = r.samples.filter((s) => s.at >= 60);
    const first = tenth(steady, false);
    const last = tenth(steady, true);
    const rss0 = median(first.map((s) => s.stats.rss_bytes));
    const rss1 = median(last.map((s) => s.stats.rss_bytes));
    if (rss1 > rss0 * 1.1) missed.push(`RSS grew ${(((rss1 / rss0) - 1) * 100).toFixed(1)}% (goal < 10%)`);
    const wal = Math.max(...steady.map((s) => s.stats.wal_bytes ?? 0));
    if (wal > 64 * 2 ** 20) missed.push(`the WAL reached ${(wal / 2 ** 20).toFixed(1)} MiB (goal ≤ 64 MiB)`);
    const fd0 = median(first.map((s) => s.stats.open_fds ?? 0));
    const fd1 = median(last.map((s) => s.stats.open_fds ?? 0));
    if (Math.abs(fd1 - fd0) > 10) missed.push(`open descriptors went from ${fd0} to ${fd1}`);
    const eld0 = median(first.map((s) => s.stats.event_loop_delay_ms.p99));
    const eld1 = median(last.map((s) => s.stats.event_loop_delay_ms.p99));
    if (eld1 > eld0 * 2 + 5) missed.push(`event-loop delay p99 went from ${eld0} ms to ${eld1} ms`);
  }
  return missed;
}

export function summary(r: LoadResult): string[] {
  const s = r.samples;
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const lines = [
    `load: ${r.requests} requests in ${r.durationSeconds} s (${r.rps.toFixed(0)}/s); latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms`,
    `  errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}; statuses ${JSON.stringify(r.statuses)}`,
    `  WebSocket: ${r.wsClients} clients, ${r.wsMessages} messages, ${r.wsDropped} dropped`,
  ];
  if (s.length >= 2) {
    const first = s[0]?.stats as ProcessStats;
    const last = s[s.length - 1]?.stats as ProcessStats;
    lines.push(
      `  RSS ${mib(first.rss_bytes)} → ${mib(last.rss_bytes)} (max ${mib(Math.max(...s.map((x) => x.stats.rss_bytes)))}); fds ${first.open_fds} → ${last.open_fds}; WAL max ${mib(Math.max(...s.map((x) => x.stats.wal_bytes ?? 0)))}; event-loop delay p99 ${first.event_loop_delay_ms.p99} → ${last.event_loop_delay_ms.p99} ms (max ${Math.max(...s.map((x) => x.stats.event_loop_delay_ms.max))} ms)`,
    );
  }
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '60' }, connections: { type: 'string', default: '10' }, ws: { type: 'string', default: '100' }, projects: { type: 'string', default: '5' } } });
  const r = await runLoad({ durationSeconds: Number(values.duration), connections: Number(values.connections), wsClients: Number(values.ws), projects: Number(values.projects), sampleEverySeconds: Number(values.duration) >= 600 ? 15 : 5 });
  process.stdout.write(`${summary(r).join('\n')}\n`);
  const missed = verdict(r);
  if (missed.length) {
    process.stdout.write(`load: goal missed: ${missed.join('; ')}\n`);
    process.exit(1);
  }
  process.stdout.write('load: all goals met\n');
}
