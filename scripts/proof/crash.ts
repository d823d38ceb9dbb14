/**
 * Proof 2: crash durability. Round after round, the built daemon takes 1,000
 * concurrent writes over its socket (new projects, file writes, API keys,
 * project settings) and is killed with SIGKILL at a random moment while they
 * are in flight. Then, before it starts again, SQLite's own check of the
 * database; after it started: every write that had been ACKNOWLEDGED (a 2xx
 * reached the client) is there with the acknowledged value, the detached run
 * that was in flight is no longer "running", and no container of this home
 * belongs to a project the database does not know.
 *
 *   node build.mjs && node --import tsx scripts/proof/crash.ts [--rounds 20] [--writes 1000] [--seed 1]
 *
 * Exits 1 when a goal is missed.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { startProofDaemon, type ProofDaemon } from './lib/daemon.ts';
import { rng } from './lib/gen.ts';
import { send, type Answer } from './lib/http.ts';

export interface CrashOptions {
  rounds: number;
  writes: number;
  seed: number;
  log?: (line: string) => void;
}

export interface CrashResult {
  rounds: number;
  acknowledged: number;
  lost: string[];
  integrity: string[];
  runsLeftRunning: number;
  orphanContainers: string[];
  killedAfterAcks: number[];
  seconds: number;
}

/** One write and how to tell, after the crash, that it is there. */
interface Write {
  kind: 'project' | 'file' | 'key' | 'settings';
  label: string;
  /** Settings writes: the project written and the tag written into its description. */
  project?: string;
  tag?: string;
  send: (socket: string) => Promise<Answer>;
  verify: (socket: string, pass: Pass) => Promise<string | null>;
}

/** What one verification pass reads once for all writes of a kind. */
class Pass {
  private names: Promise<Set<string>> | null = null;
  constructor(private readonly socket: string) {}
  keyNames(): Promise<Set<string>> {
    this.names ??= api(this.socket, 'GET', '/api/v1/auth/keys').then((a) => new Set(((data(a) as Array<{ name: string }> | undefined) ?? []).map((k) => k.name)));
    return this.names;
  }
}

async function allProjects(socket: string): Promise<Array<{ id: string }>> {
  const out: Array<{ id: string }> = [];
  for (let offset = 0; ; offset += 500) {
    const page = data(await api(socket, 'GET', `/api/v1/projects?limit=500&offset=${offset}&status=all`)) as { items?: Array<{ id: string }> } | undefined;
    out.push(...(page?.items ?? []));
    if ((page?.items?.length ?? 0) < 500) return out;
  }
}

const data = (a: Answer) => (a.json as { data?: unknown } | null)?.data;
const api = (socket: string, method: string, path: string, json?: unknown) => send({ socket, method, path, json, timeoutMs: 120_000 });

function writesFor(round: number, n: number, fixture: string, pool: string[]): Write[] {
  const out: Write[] = [];
  for (let i = 0; i < n; i++) {
    const tag = `r${round}-${i}`;
    switch (i % 4) {
      case 0:
        out.push({
          kind: 'project',
          label: `project ${tag}`,
          send: (s) => api(s, 'POST', '/api/v1/projects', { name: `c-${tag}`, template: 'blank' }),
          verify: async (s) => ((await api(s, 'GET', `/api/v1/projects/c-${tag}`)).status === 200 ? null : `project c-${tag} is missing`),
        });
        break;
      case 1: {
        const content = `${tag} ${createHash('sha256').update(tag).digest('hex')}\n`;
        out.push({
          kind: 'file',
          label: `file ${tag}`,
          send: (s) => api(s, 'PUT', `/api/v1/projects/${fixture}/files/r${round}/${tag}.txt`, { content }),
          verify: async (s) => {
            const a = await api(s, 'GET', `/api/v1/projects/${fixture}/files/r${round}/${tag}.txt`);
            const got = (data(a) as { content?: string } | undefined)?.content;
            return got === content ? null : `file r${round}/${tag}.txt: ${a.status} ${got === undefined ? 'missing' : 'other content'}`;
          },
        });
        break;
      }
      case 2:
        out.push({
          kind: 'key',
          label: `key ${tag}`,
          send: (s) => api(s, 'POST', '/api/v1/auth/keys', { name: `k-${tag}`, scopes: ['read'] }),
          verify: async (_s, pass) => ((await pass.keyNames()).has(`k-${tag}`) ? null : `key k-${tag} is missing`),
        });
        break;
      default: {
        const project = pool[Math.floor(i / 4) % pool.length] as string;
        out.push({
          kind: 'settings',
          label: `settings ${tag}`,
          project,
          tag,
          send: (s) => api(s, 'PUT', `/api/v1/projects/${project}`, { description: tag, settings: { monthly_budget_usd: round * 10_000 + i } }),
          verify: async () => null, // checked per project by settingsLost: writes to one project replace each other
        });
      }
    }
  }
  return out;
}

function integrityCheck(home: string): string[] {
  const db = new Database(join(home, 'zeblit.db'));
  try {
    const rows = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
    const fk = db.pragma('foreign_key_check') as unknown[];
    return [...rows.map((r) => r.integrity_check).filter((r) => r !== 'ok'), ...(fk.length ? [`${fk.length} foreign key violation(s)`] : [])];
  } finally {
    db.close();
  }
}

function orphanContainers(home: string, known: Set<string>): string[] {
  const hash = createHash('sha256').update(home).digest('hex').slice(0, 16);
  const out = execFileSync('docker', ['ps', '-a', '--filter', `label=zeblit.home=${hash}`, '--format', '{{.Names}} {{.Label "zeblit.project"}}'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).filter((l) => !known.has(l.split(' ')[1] ?? ''));
}

export async function runCrash(opts: CrashOptions): Promise<CrashResult> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const t0 = performance.now();
  const random = rng(opts.seed);
  const home = mkdtempSync(join(tmpdir(), 'zbl-crash-'));
  const result: CrashResult = { rounds: 0, acknowledged: 0, lost: [], integrity: [], runsLeftRunning: 0, orphanContainers: [], killedAfterAcks: [], seconds: 0 };
  let d: ProofDaemon | null = await startProofDaemon({ home });
  try {
    // Fixtures: one project for files and runs, a pool for settings.
    const fixture = String((data(await api(d.socket, 'POST', '/api/v1/projects', { name: 'crash-files', template: 'blank' })) as { id?: string } | undefined)?.id);
    const pool: string[] = [];
    for (let i = 0; i < 25; i++) pool.push(String((data(await api(d.socket, 'POST', '/api/v1/projects', { name: `crash-pool-${i}`, template: 'blank' })) as { id?: string } | undefined)?.id));
    const checks: Write[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      const socket = d.socket;
      // A run in flight when the daemon dies must not stay "running".
      const run = await api(socket, 'POST', `/api/v1/projects/${fixture}/container/execute`, { command: 'sleep 300', detach: true });
      const runId = (data(run) as { run_id?: string } | undefined)?.run_id;
      const writes = writesFor(round, opts.writes, fixture, pool);
      const killAt = 50 + Math.floor(random() * (opts.writes * 0.8));
      let acks = 0;
      const acked: Write[] = [];
      const child = d.child;
      await Promise.all(
        writes.map(async (w) => {
          const a = await w.send(socket).catch(() => null);
          if (!a || a.status >= 300) return;
          acked.push(w);
          if (++acks === killAt) child.kill('SIGKILL');
        }),
      );
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
      result.killedAfterAcks.push(killAt);
      await d.fake.close();
      result.integrity.push(...integrityCheck(home).map((e) => `round ${round}: ${e}`));

      d = await startProofDaemon({ home });
      // Settings writes to one project overwrite each other: only the last acknowledged one per project is checked.
      checks.push(...acked.filter((w) => w.kind !== 'settings'));
      const toCheck = acked.filter((w) => w.kind !== 'settings');
      result.lost.push(...(await settingsLost(d.socket, writes, acked)).map((l) => `round ${round}: ${l}`));
      const pass = new Pass(d.socket);
      for (const w of toCheck) {
        const bad = await w.verify(d.socket, pass);
        if (bad) result.lost.push(`round ${round}: ${bad}`);
      }
      if (runId) {
        const r = data(await api(d.socket, 'GET', `/api/v1/projects/${fixture}/runs/${runId}`)) as { status?: string } | undefined;
        if (r?.status === 'running') result.runsLeftRunning++;
      }
      const projects = await allProjects(d.socket);
      result.orphanContainers.push(...orphanContainers(home, new Set(projects.map((p) => p.id))).map((c) => `round ${round}: ${c}`));
      result.acknowledged += acked.length;
      result.rounds = round;
      log(`crash: round ${round}: killed after ${killAt} acknowledgements; ${acked.length} acknowledged in all, lost so far ${result.lost.length}, integrity problems ${result.integrity.length}`);
    }
    // Everything acknowledged in earlier rounds is still there at the end (a later crash must not take it back).
    const pass = new Pass(d.socket);
    for (const w of checks) {
      const bad = await w.verify(d.socket, pass);
      if (bad) result.lost.push(`at the end: ${bad}`);
    }
    return { ...result, seconds: (performance.now() - t0) / 1000 };
  } finally {
    // Projects go with their containers; then the daemon and the home.
    if (d) {
      const projects = await allProjects(d.socket).catch(() => []);
      for (const p of projects) await api(d.socket, 'DELETE', `/api/v1/projects/${p.id}`).catch(() => null);
      await d.stop();
    }
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * Writes to one project replace each other, and the daemon applies them one at
 * a time in the order they are acknowledged. After the crash a project must
 * hold its last ACKNOWLEDGED value, or the value of a write that was applied
 * but whose acknowledgement the kill cut off (one not acknowledged at all).
 */
async function settingsLost(socket: string, writes: Write[], acked: Write[]): Promise<string[]> {
  const ackedSet = new Set(acked);
  const last = new Map<string, Write>();
  const unacked = new Map<string, Set<string>>();
  for (const w of writes) {
    if (w.kind !== 'settings' || !w.project || ackedSet.has(w)) continue;
    unacked.set(w.project, (unacked.get(w.project) ?? new Set()).add(w.tag ?? ''));
  }
  for (const w of acked) if (w.kind === 'settings' && w.project) last.set(w.project, w);
  const lost: string[] = [];
  for (const [project, w] of last) {
    const p = data(await api(socket, 'GET', `/api/v1/projects/${project}`)) as { description?: string } | undefined;
    const have = p?.description ?? '(missing)';
    if (have !== w.tag && !unacked.get(project)?.has(have)) lost.push(`project ${project}: the acknowledged settings ${w.tag} were replaced by ${have}, which was never sent after it`);
  }
  return lost;
}

export function verdict(r: CrashResult, rounds: number): string[] {
  const missed: string[] = [];
  if (r.rounds < rounds) missed.push(`only ${r.rounds} of ${rounds} rounds ran`);
  if (r.lost.length) missed.push(`${r.lost.length} acknowledged write(s) lost`);
  if (r.integrity.length) missed.push(`integrity check: ${r.integrity.length} problem(s)`);
  if (r.runsLeftRunning) missed.push(`${r.runsLeftRunning} run(s) left "running" after a restart`);
  if (r.orphanContainers.length) missed.push(`${r.orphanContainers.length} orphan container(s)`);
  return missed;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' }, writes: { type: 'string', default: '1000' }, seed: { type: 'string', default: '1' } } });
  const rounds = Number(values.rounds);
  const r = await runCrash({ rounds, writes: Number(values.writes), seed: Number(values.seed) });
  process.stdout.write(
    [
      `crash: ${r.rounds} rounds of ${values.writes} concurrent writes, kill -9 in flight, in ${r.seconds.toFixed(1)} s`,
      `  acknowledged writes: ${r.acknowledged}; lost: ${r.lost.length}`,
      `  integrity_check problems: ${r.integrity.length}; runs left running: ${r.runsLeftRunning}; orphan containers: ${r.orphanContainers.length}`,
      `  killed after acknowledgement number: ${r.killedAfterAcks.join(', ')}`,
      ...[...r.lost, ...r.integrity, ...r.orphanContainers].slice(0, 40).map((l) => `  FAIL ${l}`),
    ].join('\n') + '\n',
  );
  const missed = verdict(r, rounds);
  if (missed.length) {
    process.stdout.write(`crash: goal missed: ${missed.join('; ')}\n`);
    process.exit(1);
  }
  process.stdout.write('crash: all goals met\n');
}
