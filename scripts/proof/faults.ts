/**
 * Proof 4: faults. Each fault is injected into a running built daemon; each
 * must give a clear error (a documented code, never INTERNAL), lose nothing
 * that was written before, and recover without restarting the daemon.
 *
 *   disk-full   ZEBLIT_HOME on a small tmpfs, filled through the API
 *   read-only   the database and its WAL made immutable (chattr +i), then not
 *   llm         the provider times out, answers 500, and cuts its stream
 *   neighbours  an OOM and a fork bomb in one project while another runs
 *   engine      the Docker engine stopped mid-run and started again
 *               (only with --engine: it stops the machine's dockerd)
 *
 *   node build.mjs && node --import tsx scripts/proof/faults.ts [--only disk-full,llm] [--engine]
 *
 * Needs root (mount, chattr); exits 1 when a check fails.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { ROOT, startProofDaemon, type ProofDaemon } from './lib/daemon.ts';
import { send, type Answer } from './lib/http.ts';

export const FAULTS = ['disk-full', 'read-only', 'llm', 'neighbours', 'engine'] as const;
export type Fault = (typeof FAULTS)[number];

export interface FaultResult {
  fault: Fault;
  checks: number;
  failures: string[];
  notes: string[];
}

const data = (a: Answer) => (a.json as { data?: Record<string, unknown> } | null)?.data ?? {};
const errCode = (a: Answer) => (a.json as { error?: { code?: string } } | null)?.error?.code ?? `HTTP ${a.status}`;

class Checks {
  checks = 0;
  failures: string[] = [];
  notes: string[] = [];
  ok(cond: boolean, what: string): void {
    this.checks++;
    if (!cond) this.failures.push(what);
  }
}

function client(d: ProofDaemon) {
  return (method: string, path: string, json?: unknown, timeoutMs = 120_000) => send({ socket: d.socket, method, path, json, timeoutMs });
}

async function project(d: ProofDaemon, name: string, template = 'blank', settings?: unknown): Promise<string> {
  const a = await client(d)('POST', '/api/v1/projects', { name, template, ...(settings ? { settings } : {}) });
  const id = data(a).id;
  if (typeof id !== 'string') throw new Error(`project ${name}: ${a.status} ${a.body.toString().slice(0, 200)}`);
  return id;
}

async function diskFull(c: Checks): Promise<void> {
  const mnt = mkdtempSync(join(tmpdir(), 'zbl-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', mnt]);
  const home = join(mnt, 'home');
  mkdirSync(home);
  let d: ProofDaemon | null = null;
  try {
    d = await startProofDaemon({ home });
    const api = client(d);
    const p = await project(d, 'full');
    c.ok((await api('PUT', `/api/v1/projects/${p}/files/keep.txt`, { content: 'keep me\n' })).status === 200, 'disk-full: a first write works');
    let refused: Answer | null = null;
    for (let i = 0; i < 12 && !refused; i++) {
      const a = await send({ socket: d.socket, method: 'PUT', path: `/api/v1/projects/${p}/files/big${i}.bin`, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(6 * 2 ** 20, i + 1) });
      if (a.status !== 200) refused = a;
    }
    c.ok(refused !== null, 'disk-full: the disk filled up');
    if (refused) c.ok(refused.status === 507 && errCode(refused) === 'STORAGE_FULL', `disk-full: a write to a full disk → ${refused.status} ${errCode(refused)} (want 507 STORAGE_FULL)`);
    for (const [what, a] of [
      ['a new project', await api('POST', '/api/v1/projects', { name: 'full2', template: 'blank' })],
      ['a new key', await api('POST', '/api/v1/auth/keys', { name: 'k' })],
    ] as const)
      c.ok(a.status === 507 || a.status === 201, `disk-full: ${what} → ${a.status} ${errCode(a)} (want 507 STORAGE_FULL or success)`);
    const keep = await api('GET', `/api/v1/projects/${p}/files/keep.txt`);
    c.ok((data(keep) as { content?: string }).content === 'keep me\n', 'disk-full: what was written before is still read back');
    // No half-written leftovers: every file in the workspace is whole (6 MiB) or the small one.
    const ws = join(home, 'projects', p, 'workspace');
    const partial = existsSync(ws) ? readdirSync(ws).filter((f) => f.startsWith('big') && statSync(join(ws, f)).size !== 6 * 2 ** 20) : [];
    c.ok(partial.length === 0, `disk-full: no half-written file stays in the workspace (${partial.join(', ')})`);
    // Free space (as the user would, outside Zeblit), then the same write works without a restart.
    for (const f of readdirSync(ws).filter((f) => f.startsWith('big'))) rmSync(join(ws, f));
    await api('POST', `/api/v1/projects/${p}/files/sync`);
    const again = await api('PUT', `/api/v1/projects/${p}/files/after.txt`, { content: 'after\n' });
    c.ok(again.status === 200, `disk-full: after freeing space a write works again (${again.status} ${errCode(again)})`);
    c.ok((await api('POST', '/api/v1/auth/keys', { name: 'k-after' })).status === 201, 'disk-full: a key can be created again');
    c.ok(d.child.exitCode === null, 'disk-full: the daemon is still up');
  } finally {
    await d?.stop();
    execFileSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
}

async function readOnly(c: Checks): Promise<void> {
  const d = await startProofDaemon();
  const files = ['zeblit.db', 'zeblit.db-wal'].map((f) => join(d.home, f));
  try {
    const api = client(d);
    const p = await project(d, 'ro');
    await api('PUT', `/api/v1/projects/${p}/files/keep.txt`, { content: 'keep me\n' });
    execFileSync('chattr', ['+i', ...files]);
    for (const [what, a] of [
      ['a file write', await api('PUT', `/api/v1/projects/${p}/files/x.txt`, { content: 'x' })],
      ['a new project', await api('POST', '/api/v1/projects', { name: 'ro2', template: 'blank' })],
      ['a new key', await api('POST', '/api/v1/auth/keys', { name: 'k' })],
      ['a settings change', await api('PUT', `/api/v1/projects/${p}`, { description: 'changed' })],
    ] as const)
      c.ok(a.status === 503 && errCode(a) === 'STORAGE_UNAVAILABLE', `read-only: ${what} → ${a.status} ${errCode(a)} (want 503 STORAGE_UNAVAILABLE)`);
    const keep = await api('GET', `/api/v1/projects/${p}/files/keep.txt`);
    c.ok((data(keep) as { content?: string }).content === 'keep me\n', 'read-only: reads keep working');
    c.ok((await api('GET', '/api/v1/projects')).status === 200, 'read-only: the project list is served');
    execFileSync('chattr', ['-i', ...files]);
    c.ok((await api('PUT', `/api/v1/projects/${p}`, { description: 'changed' })).status === 200, 'read-only: writable again, a write works without a restart');
    c.ok((await api('POST', '/api/v1/auth/keys', { name: 'k-after' })).status === 201, 'read-only: a key can be created again');
  } finally {
    try {
      execFileSync('chattr', ['-i', ...files.filter((f) => existsSync(f))]);
    } catch {
      // already writable
    }
    await d.stop();
  }
}

async function llm(c: Checks): Promise<void> {
  const d = await startProofDaemon();
  try {
    const api = client(d);
    const p = await project(d, 'llm');
    await api('PUT', '/api/v1/config/llm', { timeout_ms: 2_000, max_retries: 1 });
    const chat = (message: string) => api('POST', `/api/v1/projects/${p}/chat`, { message, agent: 'engineer' }, 120_000);
    const cases: Array<{ what: string; reply: object; want: string[] }> = [
      { what: 'a timeout', reply: { delay_ms: 10_000, text: 'late' }, want: ['PROVIDER_ERROR', 'TIMEOUT'] },
      { what: 'HTTP 500', reply: { error: { status: 500, message: 'upstream exploded' } }, want: ['PROVIDER_ERROR'] },
      { what: 'a stream cut in the middle', reply: { text: 'partial answer that goes on', drop_after_chunks: 2 }, want: ['PROVIDER_ERROR'] },
      { what: 'an error event in the stream', reply: { text: 'starts fine', stream_error: { type: 'overloaded_error', message: 'overloaded', after_chunks: 1 } }, want: ['PROVIDER_ERROR'] },
    ];
    for (const k of cases) {
      d.fake.reset();
      // Every attempt (the first and the retry) fails the same way.
      d.fake.fallback(() => k.reply);
      const t0 = performance.now();
      const a = await chat(`fault: ${k.what}`);
      const ms = performance.now() - t0;
      const turn = data(a) as { status?: string; error?: string | null };
      const clear = a.status >= 400 ? k.want.includes(errCode(a)) : turn.status === 'failed' && typeof turn.error === 'string' && turn.error.length > 0;
      c.ok(clear, `llm: ${k.what} → ${a.status} ${a.status >= 400 ? errCode(a) : `turn ${turn.status}: ${turn.error}`} (want a clear provider error)`);
      c.ok(ms < 60_000, `llm: ${k.what} answered within a minute (${Math.round(ms)} ms)`);
      c.notes.push(`llm: ${k.what}: ${a.status} ${a.status >= 400 ? errCode(a) : turn.status} in ${Math.round(ms)} ms`);
    }
    d.fake.reset();
    d.fake.fallback(() => ({ text: 'all good again' }));
    const ok = await chat('and now?');
    c.ok(ok.status === 200 && (data(ok) as { status?: string }).status === 'completed', `llm: the next turn works (${ok.status} ${JSON.stringify(data(ok)).slice(0, 120)})`);
    const usage = await api('GET', '/api/v1/usage');
    c.ok(usage.status === 200, 'llm: usage is still served');
  } finally {
    await d.stop();
  }
}

async function neighbours(c: Checks): Promise<void> {
  const d = await startProofDaemon();
  try {
    const api = client(d);
    const noisy = await project(d, 'noisy', 'python', { memory_mb: 128, pids: 64 });
    const quiet = await project(d, 'quiet', 'python');
    const run = (p: string, command: string, timeout = 30) => api('POST', `/api/v1/projects/${p}/container/execute`, { command, timeout_seconds: timeout }, 120_000);
    await Promise.all([run(noisy, 'true'), run(quiet, 'true')]);
    const baseline: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      await run(quiet, 'echo hi');
      baseline.push(performance.now() - t0);
    }
    // One trouble at a time in the noisy project (a fork bomb beside the OOM would take the pids the OOM run needs),
    // each while the quiet project keeps running commands.
    const during: number[] = [];
    const outputs: string[] = [];
    const quietWhile = async <T>(trouble: Promise<T>): Promise<T> => {
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const a = await run(quiet, `echo quiet-${outputs.length}`);
        during.push(performance.now() - t0);
        outputs.push(String((data(a) as { stdout?: string }).stdout ?? '').trim());
      }
      return trouble;
    };
    const oomA = await quietWhile(run(noisy, 'python3 -c "x = []\nwhile True: x.append(bytearray(8 * 2**20))"', 60));
    const bombA = await quietWhile(run(noisy, 'bomb() { bomb | bomb & }; bomb', 10));
    const o = data(oomA) as { oom_killed?: boolean; exit_code?: number | null; error?: string | null };
    c.ok(oomA.status === 200 && (o.oom_killed === true || o.exit_code === 137), `neighbours: the OOM run is reported (${oomA.status} oom_killed=${o.oom_killed} exit=${o.exit_code})`);
    c.ok(bombA.status === 200, `neighbours: the fork bomb run ends with an answer (${bombA.status} ${errCode(bombA)})`);
    c.ok(outputs.every((out, i) => out === `quiet-${i}`), `neighbours: the other project's commands all ran (${outputs.join(',')})`);
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    c.notes.push(`neighbours: the quiet project's echo took ${med(baseline).toFixed(0)} ms p50 alone, ${med(during).toFixed(0)} ms p50 beside the OOM and the fork bomb`);
    c.ok(med(during) < Math.max(1_000, med(baseline) * 20), `neighbours: the quiet project stays responsive (${med(during).toFixed(0)} ms vs ${med(baseline).toFixed(0)} ms)`);
    const after = await run(noisy, 'echo recovered');
    c.ok(String((data(after) as { stdout?: string }).stdout ?? '').trim() === 'recovered', `neighbours: the noisy project runs commands again (${after.status} ${errCode(after)})`);
    c.ok((await api('GET', '/api/v1/health')).status === 200, 'neighbours: the daemon is healthy');
  } finally {
    await d.stop();
  }
}

function dockerdPids(): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return statSync(`/proc/${p}/comm`) && execFileSync('cat', [`/proc/${p}/comm`], { encoding: 'utf8' }).trim() === 'dockerd';
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function engine(c: Checks): Promise<void> {
  const d = await startProofDaemon();
  try {
    const api = client(d);
    const p = await project(d, 'engine', 'blank');
    await api('POST', `/api/v1/projects/${p}/container/execute`, { command: 'true' });
    const inFlight = api('POST', `/api/v1/projects/${p}/container/execute`, { command: 'sleep 60', timeout_seconds: 90 }, 180_000);
    await sleep(1_000);
    for (const pid of dockerdPids()) process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && dockerdPids().length > 0; i++) await sleep(200);
    const cut = await inFlight;
    const r = data(cut) as { status?: string; error?: string | null };
    c.ok(cut.status < 500 || ['DOCKER_UNAVAILABLE', 'UNAVAILABLE'].includes(errCode(cut)), `engine: the run in flight ends with a clear answer (${cut.status} ${errCode(cut)} ${r.status ?? ''} ${r.error ?? ''})`);
    const down = await api('POST', `/api/v1/projects/${p}/container/execute`, { command: 'true' });
    c.ok(down.status === 503 && errCode(down) === 'DOCKER_UNAVAILABLE', `engine: while it is down, a command → ${down.status} ${errCode(down)} (want 503 DOCKER_UNAVAILABLE)`);
    c.ok((await api('GET', '/api/v1/projects')).status === 200, 'engine: the API serves what needs no engine');
    c.ok((await api('PUT', `/api/v1/projects/${p}/files/while-down.txt`, { content: 'written while the engine was down\n' })).status === 200, 'engine: files are written while it is down');
    execFileSync('bash', [join(ROOT, 'scripts', 'ensure-docker.sh')], { stdio: 'ignore' });
    let back: Answer | null = null;
    for (let i = 0; i < 60; i++) {
      back = await api('POST', `/api/v1/projects/${p}/container/execute`, { command: 'cat while-down.txt' });
      if (back.status === 200) break;
      await sleep(1_000);
    }
    c.ok(back?.status === 200 && String((data(back) as { stdout?: string }).stdout).includes('while the engine was down'), `engine: once it is back, commands run again without a daemon restart (${back?.status} ${back ? errCode(back) : ''})`);
  } finally {
    if (dockerdPids().length === 0) execFileSync('bash', [join(ROOT, 'scripts', 'ensure-docker.sh')], { stdio: 'ignore' });
    await d.stop();
  }
}

const RUNNERS: Record<Fault, (c: Checks) => Promise<void>> = { 'disk-full': diskFull, 'read-only': readOnly, llm, neighbours, engine };

export async function runFaults(which: readonly Fault[], log: (l: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<FaultResult[]> {
  const out: FaultResult[] = [];
  for (const fault of which) {
    const c = new Checks();
    try {
      await RUNNERS[fault](c);
    } catch (e) {
      c.failures.push(`${fault}: the proof itself failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    }
    out.push({ fault, checks: c.checks, failures: c.failures, notes: c.notes });
    log(`faults: ${fault}: ${c.checks} checks, ${c.failures.length} failed${c.notes.length ? `\n  ${c.notes.join('\n  ')}` : ''}`);
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { only: { type: 'string' }, engine: { type: 'boolean', default: false } } });
  const which = (values.only ? values.only.split(',') : FAULTS.filter((f) => f !== 'engine' || values.engine)) as Fault[];
  for (const f of which) if (!FAULTS.includes(f)) throw new Error(`unknown fault ${f} (${FAULTS.join(', ')})`);
  const results = await runFaults(which);
  const failures = results.flatMap((r) => r.failures);
  for (const f of failures) process.stdout.write(`  FAIL ${f}\n`);
  if (failures.length) process.exit(1);
  process.stdout.write('faults: all checks passed\n');
}
