/**
 * Proof 1: fuzzing from the OpenAPI document. Reads /api/v1/openapi.json of
 * the built daemon and sends generated requests (valid, boundary, malformed)
 * to every route over both listeners (the Unix socket as the owner, TCP with
 * a bearer key). Goals, checked here: no answer is a 5xx; every /api/v1
 * answer is in the envelope and valid against its documented schema (the
 * SAME zod schemas the routes declare, taken from the route registry); the
 * daemon's RSS is back within 10% of its warmed-up size afterwards. The
 * OpenAI-compatible /v1 (OpenAI's API, outside the document) is fuzzed the
 * same way from its zod schemas: its answers must be OpenAI's shapes.
 *
 *   node build.mjs && node --import tsx scripts/proof/fuzz.ts [--requests 10000] [--seed 1] [--concurrency 8]
 *
 * Exits 1 when a goal is missed, listing each failing request (replayable
 * with the same --seed). FUZZ_VERBOSE=1 also lists the operations whose
 * "valid" case was refused (the generator's guesses are best effort).
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ErrorEnvelope } from '../../src/contracts/index.ts';
import { makeTestApp } from '../../src/api/testing.ts';
import { ChatCompletion, ChatCompletionRequest, EmbeddingRequest, EmbeddingResponse, OpenAIErrorBody, OpenAIModel, OpenAIModelList } from '../../src/contracts/openai.ts';
import { startProofDaemon, rssOf, type ProofDaemon } from './lib/daemon.ts';
import { Generator, PARAM_MUTANTS, RAW_BODIES, rng, type Schema } from './lib/gen.ts';
import { send, type Answer } from './lib/http.ts';

export interface FuzzOptions {
  requests: number;
  seed: number;
  concurrency: number;
  /** Go on past the count for at least this many rounds (RSS over time). */
  minRounds?: number;
  /** Wait for the RSS to settle at the end (up to 60 s idle; default true). */
  checkRss?: boolean;
  log?: (line: string) => void;
}

export interface FuzzResult {
  sent: number;
  routes: number;
  byStatus: Record<string, number>;
  failures: string[];
  rssWarm: number;
  rssAfter: number;
  seconds: number;
  daemonErrors: string[];
}

interface Operation {
  method: string;
  path: string;
  params: string[];
  query: Array<{ name: string; schema: Schema }>;
  body: Schema | null;
  /** Zod schemas of the answers this route documents, by status. */
  answers: Map<number, z.ZodType>;
}

interface Case {
  op: Operation;
  label: string;
  /** Filled at send time: fixtures a deletion removed come back under new ids. */
  path: () => string;
  headers: Record<string, string>;
  body?: Buffer;
}

type Doc = { servers?: Array<{ url: string }>; paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string; schema?: Schema }>; requestBody?: { content?: Record<string, { schema?: Schema }> } }>>; components?: { schemas?: Record<string, Schema> } };

/** The zod schema of each documented JSON answer, from the same route registry the daemon is built from. */
function answerSchemas(): Map<string, Map<number, z.ZodType>> {
  const t = makeTestApp();
  try {
    const out = new Map<string, Map<number, z.ZodType>>();
    const defs = (t.app as unknown as { openAPIRegistry: { definitions: Array<{ type: string; route?: { method: string; path: string; responses: Record<string, { content?: Record<string, { schema?: z.ZodType }> }> } }> } }).openAPIRegistry.definitions;
    for (const d of defs) {
      if (d.type !== 'route' || !d.route) continue;
      const byStatus = new Map<number, z.ZodType>();
      for (const [status, r] of Object.entries(d.route.responses)) {
        const schema = r.content?.['application/json']?.schema;
        if (schema && typeof (schema as z.ZodType).safeParse === 'function') byStatus.set(Number(status), schema);
      }
      out.set(`${d.route.method.toUpperCase()} ${d.route.path}`, byStatus);
    }
    return out;
  } finally {
    t.close();
  }
}

function operations(doc: Doc): Operation[] {
  const schemas = answerSchemas();
  const ops: Operation[] = [];
  const base = doc.servers?.[0]?.url ?? '';
  for (const [relative, item] of Object.entries(doc.paths)) {
    const path = `${base}${relative}`;
    for (const [method, op] of Object.entries(item)) {
      const m = method.toUpperCase();
      if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(m)) continue;
      const params = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema ?? {} }));
      const body = op.requestBody?.content?.['application/json']?.schema ?? null;
      ops.push({ method: m, path, params, query, body, answers: schemas.get(`${m} ${path}`) ?? new Map() });
    }
  }
  // Reads first, deletions last: valid deletions remove fixtures the other cases use (they are put back, but later).
  const rank = (o: Operation) => (o.method === 'GET' ? 0 : o.method === 'DELETE' ? 2 : 1);
  return ops.sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path));
}

/**
 * The OpenAI-compatible API under /v1 is OpenAI's, outside the OpenAPI
 * document: its operations come from the request and answer schemas in
 * src/contracts/openai.ts, the same zod schemas the daemon parses with.
 */
function openaiOperations(): Operation[] {
  const body = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Schema;
  const op = (method: string, path: string, answer: z.ZodType, b: Schema | null, params: string[] = []): Operation => ({ method, path, params, query: [], body: b, answers: new Map([[200, answer]]) });
  return [
    op('GET', '/v1/models', OpenAIModelList, null),
    op('GET', '/v1/models/{model}', OpenAIModel, null, ['model']),
    op('POST', '/v1/chat/completions', ChatCompletion, body(ChatCompletionRequest)),
    op('POST', '/v1/embeddings', EmbeddingResponse, body(EmbeddingRequest)),
  ];
}

/** What the fixtures give a parameter that should name something real. */
interface Fixtures {
  projectId: string;
  runId: string;
  userId: string;
  keyId: string;
  /** An upstream model of GET /v1/models (the fake LLM's), for /v1 requests. */
  model: string;
}

function knownParam(f: Fixtures, path: string, name: string): string {
  if (name === 'id' && path.startsWith('/api/v1/projects/')) return f.projectId;
  if (name === 'id' && path.startsWith('/api/v1/users/')) return f.userId;
  if (name === 'key_id') return f.keyId;
  if (name === 'run_id') return f.runId;
  if (name === 'path') return 'hello.py';
  if (name === 'n') return '1';
  if (name === 'agent') return 'engineer';
  if (name === 'model') return encodeURIComponent(f.model);
  return `${name}-fz`;
}

function fill(op: Operation, values: Record<string, string>, query = ''): string {
  return op.path.replace(/\{(\w+)\}/g, (_, n: string) => values[n] ?? 'x') + query;
}

function buildCases(op: Operation, fx: () => Fixtures, gen: Generator): Case[] {
  const valid = (): Record<string, string> => Object.fromEntries(op.params.map((p) => [p, knownParam(fx(), op.path, p)]));
  const validQuery = op.query.length ? `?${op.query.filter((q) => q.name === 'limit').map((q) => `${q.name}=5`).join('&')}` : '';
  const json = (v: unknown) => ({ headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(v)) });
  const known = (n: string): unknown => {
    if (n === 'command') return 'echo fuzz';
    if (n === 'template') return 'blank';
    if (op.path.startsWith('/v1/') && n === 'model') return fx().model;
    if (op.path.startsWith('/v1/') && n === 'messages') return [{ role: 'user', content: 'fuzz' }];
    return undefined;
  };
  const validBody = op.body ? gen.valid(op.body, 0, known) : undefined;
  const base = (label: string, path = () => fill(op, valid(), validQuery)): Case => ({ op, label, path, headers: {}, ...(validBody !== undefined ? json(validBody) : {}) });
  const cases: Case[] = [base('valid')];
  for (const p of op.params) for (const m of PARAM_MUTANTS) cases.push(base(`param ${p}: ${m.label}`, () => fill(op, { ...valid(), [p]: String(m.value) }, validQuery)));
  for (const q of op.query) {
    for (const v of ['abc', '-5', '99999999999999999999', '', '1.5', '%00', encodeURIComponent('😀'), 'a'.repeat(3000)])
      cases.push(base(`query ${q.name}=${v.slice(0, 12)}`, () => fill(op, valid(), `?${q.name}=${v}`)));
    cases.push(base(`query ${q.name} twice`, () => fill(op, valid(), `?${q.name}=1&${q.name}=2`)));
  }
  cases.push(base('unknown query parameter', () => fill(op, valid(), '?zz_unknown=1')));
  if (op.body) {
    for (const m of gen.mutants(op.body, validBody)) cases.push({ op, label: `body ${m.label}`, path: () => fill(op, valid(), validQuery), ...json(m.value) });
    const text = JSON.stringify(validBody ?? {});
    for (const r of RAW_BODIES) {
      const body = typeof r.body === 'function' ? r.body(text) : r.body;
      cases.push({ op, label: `raw ${r.label}`, path: () => fill(op, valid(), validQuery), headers: r.contentType ? { 'content-type': r.contentType } : {}, body });
    }
  } else if (op.method !== 'GET' && op.method !== 'DELETE') {
    cases.push({ op, label: 'unexpected body', path: () => fill(op, valid(), validQuery), ...json({ zz: 1 }) });
  }
  return cases;
}

function check(c: Case, path: string, a: Answer, listener: string): string | null {
  const what = `${listener} ${c.op.method} ${path.slice(0, 120)} [${c.label}]`;
  if (a.status >= 500) return `${what}: ${a.status} ${a.body.toString('utf8').slice(0, 300)}`;
  const openai = c.op.path.startsWith('/v1/');
  if (!c.op.path.startsWith('/api/v1/') && !openai) return null;
  const type = String(a.headers['content-type'] ?? '');
  if (openai) {
    // OpenAI's shapes, not the envelope: an error is OpenAI's error body, a JSON success its documented object.
    if (a.status >= 200 && a.status < 300 && !/json/.test(type)) return null; // a stream (stream: true)
    if (!/json/.test(type) || a.json === null) return `${what}: ${a.status} not JSON (content-type "${type}": ${a.body.toString('utf8').slice(0, 120)})`;
    const schema = a.status >= 400 ? OpenAIErrorBody : c.op.answers.get(a.status);
    if (!schema) return `${what}: ${a.status} is not a status this operation answers`;
    const r = schema.safeParse(a.json);
    return r.success ? null : `${what}: ${a.status} answer does not match OpenAI's shape: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ').slice(0, 400)}`;
  }
  if (a.status === 304 || a.status === 101 || a.status === 204) return null;
  if (a.status >= 200 && a.status < 300 && !/json/.test(type)) return null; // a stream or a download, as documented
  if (!/json/.test(type) || a.json === null) return `${what}: ${a.status} not in the envelope (content-type "${type}", ${a.body.length} bytes: ${a.body.toString('utf8').slice(0, 120)})`;
  if (a.status >= 400) {
    const r = ErrorEnvelope.safeParse(a.json);
    return r.success ? null : `${what}: ${a.status} error envelope invalid: ${r.error.message.slice(0, 300)}`;
  }
  // A literal `..` segment may route to another operation (…/versions/.. is …/{path} with path "x/versions/.."): its envelope was checked, its schema is that other route's.
  if (c.label.endsWith('dot dot')) return null;
  const schema = c.op.answers.get(a.status);
  if (!schema) return c.op.answers.size > 0 ? `${what}: ${a.status} is not a documented status (${[...c.op.answers.keys()].join(', ')})` : null;
  const r = schema.safeParse(a.json);
  return r.success ? null : `${what}: ${a.status} answer does not match its schema: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ").slice(0, 400)}`;
}

async function fixtures(d: ProofDaemon, prev?: Fixtures): Promise<Fixtures> {
  const api = (method: string, path: string, json?: unknown) => send({ socket: d.socket, method, path, json, timeoutMs: 60_000 });
  const data = (a: Answer) => (a.json as { data?: Record<string, unknown> } | null)?.data ?? {};
  let projectId = prev?.projectId ?? '';
  const got = projectId ? await api('GET', `/api/v1/projects/${projectId}`) : null;
  if (!got || got.status !== 200) {
    const made = await api('POST', '/api/v1/projects', { name: `fz-${Date.now().toString(36)}`, template: 'blank' });
    projectId = String(data(made).id ?? '');
    if (!projectId) throw new Error(`fixture project: ${made.status} ${made.body.toString().slice(0, 200)}`);
  } else if (data(got).status === 'archived') await api('POST', `/api/v1/projects/${projectId}/unarchive`);
  await api('PUT', `/api/v1/projects/${projectId}/files/hello.py`, { content: 'print("hello")\n' });
  let runId = prev?.runId ?? '';
  if (!runId || (await api('GET', `/api/v1/projects/${projectId}/runs/${runId}`)).status !== 200) {
    const run = await api('POST', `/api/v1/projects/${projectId}/container/execute`, { command: 'echo fixture' });
    runId = String(data(run).run_id ?? 'run_none');
  }
  let userId = prev?.userId ?? '';
  if (!userId || (await api('GET', `/api/v1/users`)).body.indexOf(userId) < 0) {
    const u = await api('POST', '/api/v1/users', { username: `fz${Date.now().toString(36)}`, role: 'user' });
    userId = String(data(u).id ?? 'usr_none');
  }
  const k = await api('POST', '/api/v1/auth/keys', { name: 'fz-victim', scopes: ['read'] });
  let model = prev?.model ?? '';
  if (!model) {
    const models = (await api('GET', '/v1/models')).json as { data?: Array<{ id: string }> } | null;
    model = models?.data?.find((m) => !m.id.startsWith('zeblit/'))?.id ?? 'anthropic/none';
  }
  return { projectId, runId, userId, keyId: String(data(k).id ?? 'key_none'), model };
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzResult> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const t0 = performance.now();
  const d = await startProofDaemon();
  try {
    const docAnswer = await send({ socket: d.socket, method: 'GET', path: '/api/v1/openapi.json' });
    const doc = docAnswer.json as Doc;
    const gen = new Generator(doc, rng(opts.seed));
    const ops = [...operations(doc), ...openaiOperations()];
    let fx = await fixtures(d);
    const listeners = [
      { name: 'socket', target: { socket: d.socket } },
      { name: 'tcp', target: { port: d.port, auth: `Bearer ${d.key}` } },
    ];
    const byStatus: Record<string, number> = {};
    const failures: string[] = [];
    const validStatus = new Map<string, number>();
    let sent = 0;
    const fire = async (c: Case, l: (typeof listeners)[number]) => {
      const headers = { ...c.headers, ...('auth' in l.target ? { authorization: l.target.auth } : {}) };
      let a: Answer;
      const path = c.path();
      try {
        a = await send({ ...l.target, method: c.op.method, path, headers, body: c.body, timeoutMs: 60_000 });
      } catch (e) {
        // Over the body limit the daemon answers 413 and drains the rest for 500 ms (@hono/node-server), then
        // closes; on a loaded machine the close can overtake the answer. Counted, not a contract failure.
        const code = (e as NodeJS.ErrnoException).code;
        if (c.label === 'raw body over the limit' && (code === 'EPIPE' || code === 'ECONNRESET')) {
          byStatus.reset = (byStatus.reset ?? 0) + 1;
          sent++;
          return;
        }
        failures.push(`${l.name} ${c.op.method} ${path.slice(0, 120)} [${c.label}]: no answer (${e instanceof Error ? e.message : String(e)})`);
        return;
      }
      sent++;
      byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
      if (c.label === 'valid') validStatus.set(`${l.name} ${c.op.method} ${path}: ${a.body.toString().slice(0, 160)}`, a.status);
      const bad = check(c, path, a, l.name);
      if (bad) failures.push(bad);
    };
    const pool = async (cases: Array<[Case, (typeof listeners)[number]]>) => {
      let next = 0;
      await Promise.all(Array.from({ length: opts.concurrency }, async () => {
        while (next < cases.length) {
          const item = cases[next++];
          if (item) await fire(item[0], item[1]);
        }
      }));
    };

    // Warm-up: every route once with valid input, then the RSS baseline.
    // (Not the deletions: they would take the fixtures away from the reads running beside them.)
    await pool(ops.filter((op) => op.method !== 'DELETE').map((op) => [buildCases(op, () => fx, gen)[0] as Case, listeners[0]!]));
    fx = await fixtures(d, fx);
    await sleep(1_000);
    const rssWarm = rssOf(d.pid);
    log(`fuzz: ${ops.length} operations, daemon pid ${d.pid}, RSS after warm-up ${(rssWarm / 2 ** 20).toFixed(1)} MiB`);

    // Systematic cases for every operation on both listeners, then random ones up to the count asked for.
    const all: Case[] = [];
    for (const op of ops) all.push(...buildCases(op, () => fx, gen));
    let round = 0;
    while ((sent < opts.requests || round < (opts.minRounds ?? 1)) && round < 50) {
      const batch: Array<[Case, (typeof listeners)[number]]> = [];
      const cases = round === 0 ? all : Array.from({ length: Math.max(Math.ceil((opts.requests - sent) / 2), all.length) }, () => gen.pick(all));
      for (const c of cases) for (const l of listeners) batch.push([c, l]);
      // Operation by operation, so that fixtures a deletion removed are back before the next one.
      const groups = new Map<Operation, Array<[Case, (typeof listeners)[number]]>>();
      for (const item of batch) groups.set(item[0].op, [...(groups.get(item[0].op) ?? []), item]);
      for (const group of groups.values()) {
        await pool(group);
        if (group[0]?.[0].op.method !== 'GET') fx = await fixtures(d, fx);
      }
      log(`fuzz: round ${round + 1}: ${sent} requests, ${failures.length} failure(s), RSS ${(rssOf(d.pid) / 2 ** 20).toFixed(1)} MiB`);
      round++;
    }

    if (process.env.FUZZ_VERBOSE) for (const [op, status] of validStatus) if (status >= 300) log(`fuzz: note: the valid case of ${op} answered ${status}`);
    // Idle: V8's memory reducer gives heap back some seconds after allocation stops. Sampled for up to 60 s.
    let rssAfter = rssOf(d.pid);
    for (let i = 0; i < 12 && opts.checkRss !== false && rssAfter > rssWarm * 1.1; i++) {
      await sleep(5_000);
      rssAfter = Math.min(rssAfter, rssOf(d.pid));
      log(`fuzz: idle ${(i + 1) * 5} s: RSS ${(rssOf(d.pid) / 2 ** 20).toFixed(1)} MiB`);
    }
    return { sent, routes: ops.length, byStatus, failures, rssWarm, rssAfter, seconds: (performance.now() - t0) / 1000, daemonErrors: d.errors.slice() };
  } finally {
    await d.stop();
  }
}

export function verdict(r: FuzzResult, wanted: number): string[] {
  const missed: string[] = [];
  if (r.sent < wanted) missed.push(`only ${r.sent} requests were answered (goal ${wanted})`);
  const fives = Object.entries(r.byStatus).filter(([s]) => Number(s) >= 500).reduce((n, [, c]) => n + c, 0);
  if (fives > 0) missed.push(`${fives} answer(s) were 5xx (goal 0)`);
  if (r.failures.length > 0) missed.push(`${r.failures.length} answer(s) broke the contract`);
  if (r.rssAfter > r.rssWarm * 1.1) missed.push(`RSS grew ${(((r.rssAfter / r.rssWarm) - 1) * 100).toFixed(1)}% (goal ≤ 10%)`);
  return missed;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { requests: { type: 'string', default: '10000' }, seed: { type: 'string', default: '1' }, concurrency: { type: 'string', default: '8' }, rounds: { type: 'string', default: '1' } } });
  const wanted = Number(values.requests);
  const r = await runFuzz({ requests: wanted, seed: Number(values.seed), concurrency: Number(values.concurrency), minRounds: Number(values.rounds) });
  const statuses = Object.entries(r.byStatus).sort(([a], [b]) => Number(a) - Number(b)).map(([s, n]) => `${s}×${n}`).join(' ');
  process.stdout.write(
    [
      `fuzz: ${r.sent} requests to ${r.routes} operations over the socket and TCP in ${r.seconds.toFixed(1)} s`,
      `  statuses: ${statuses}`,
      `  RSS: ${(r.rssWarm / 2 ** 20).toFixed(1)} MiB warm → ${(r.rssAfter / 2 ** 20).toFixed(1)} MiB after (${(((r.rssAfter / r.rssWarm) - 1) * 100).toFixed(1)}%)`,
      `  daemon errors logged: ${r.daemonErrors.length}`,
      ...r.failures.slice(0, 40).map((f) => `  FAIL ${f}`),
      r.failures.length > 40 ? `  … and ${r.failures.length - 40} more` : '',
    ].join('\n') + '\n',
  );
  const missed = verdict(r, wanted);
  if (missed.length > 0) {
    process.stdout.write(`fuzz: goal missed: ${missed.join('; ')}\n`);
    process.exit(1);
  }
  process.stdout.write('fuzz: all goals met\n');
}
