/**
 * Files benchmarks (issue 4):
 *   1. tree of 10,000 files (goal < 100 ms), through the service and through the API in-process;
 *   2. a write through the API visible inside the project's container (goal < 10 ms);
 *   3. upload and download of a 200 MiB file over the Unix socket, against `cp` on the same disk;
 *   4. the daemon's RSS during a 1 GiB upload (goal < 150 MB).
 * 2–4 run the daemon BUILT from this tree (bundled into a temporary folder, so
 * dist/ and whoever uses it are left alone) as a child process.
 *
 *   node --import tsx scripts/bench/files.ts [--write] [--no-container] [--only tree,memory,container,transfer] [--upload-mib 200] [--rss-mib 1024] [--files 10000]
 *
 * --write  replaces the "## Files" section of docs/benchmarks.md (other sections are kept)
 * --only   runs only these parts (quick checks; do not --write with it)
 *
 * Where the time goes is measured alongside each goal: for the tree, the walk
 * alone (readdir + lstat), the service (the nested tree), the JSON of the
 * envelope, the in-process request and the request over the built daemon's
 * Unix socket; for the write, the HTTP floor (GET /projects/{id} over
 * the same socket), the daemon's own time for the PUT (its request log) and the whole
 * round trip.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { makeTestApp } from '../../src/api/testing.ts';

const { values } = parseArgs({
  options: {
    write: { type: 'boolean', default: false },
    'no-container': { type: 'boolean', default: false },
    'upload-mib': { type: 'string', default: '200' },
    'rss-mib': { type: 'string', default: '1024' },
    files: { type: 'string', default: '10000' },
    only: { type: 'string', default: 'tree,memory,container,transfer' },
  },
});
const parts = new Set(values.only.split(',').map((x) => x.trim()));
const MiB = 1024 * 1024;
const ROOT = join(import.meta.dirname, '..', '..');
const lines: string[] = [];
const say = (s: string) => {
  console.log(s);
  lines.push(s);
};
const ms = (x: number) => `${x.toFixed(1)} ms`;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

// ---- 1. Tree of N files, in-process ---------------------------------------------------------
async function benchTree(count: number): Promise<void> {
  const t = makeTestApp({}, Date.now);
  try {
    const p = t.deps.projects.create(t.deps.auth.users.owner().id, { name: 'tree' });
    makeTreeFiles(t.deps.projects.workspace(p), count);
    const measure = async (fn: () => unknown) => {
      for (let i = 0; i < 3; i++) await fn();
      const wall: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < 15; i++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await fn();
        wall.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
      }
      return { p50: pct(wall, 50), p95: pct(wall, 95), cpu: pct(cpu, 50) };
    };
    const walk = await measure(() => t.deps.files.core.ws(p.id).walk('', () => true));
    const svc = await measure(() => t.deps.files.tree(p.id, {}));
    const tree = t.deps.files.tree(p.id, {});
    const json = await measure(() => JSON.stringify({ success: true, data: tree, error: null, metadata: {} }));
    const api = await measure(async () => {
      const r = await t.request(`/api/v1/projects/${p.id}/files/tree`, { transport: 'unix' });
      await r.arrayBuffer();
    });
    const verdict = (m: { p50: number; cpu: number }) => `wall ${m.p50 < 100 ? 'met' : 'MISSED'}, CPU ${m.cpu < 100 ? 'met' : 'MISSED'}`;
    say(`| the walk alone (readdir + lstat of every entry, no tree) | ${ms(walk.p50)} | ${ms(walk.p95)} | ${ms(walk.cpu)} | | |`);
    say(`| tree of ${tree.files} files in ${tree.dirs} folders, service | ${ms(svc.p50)} | ${ms(svc.p95)} | ${ms(svc.cpu)} | < 100 ms | ${verdict(svc)} |`);
    say(`| JSON.stringify of the envelope (${(JSON.stringify(tree).length / MiB).toFixed(1)} MiB) | ${ms(json.p50)} | ${ms(json.p95)} | ${ms(json.cpu)} | | |`);
    say(`| same, GET /files/tree in-process (app.request, JSON and a Web Response body read included) | ${ms(api.p50)} | ${ms(api.p95)} | ${ms(api.cpu)} | < 100 ms | ${verdict(api)} |`);
  } finally {
    t.close();
  }
}

// ---- The built daemon -----------------------------------------------------------------------
async function bundle(): Promise<string> {
  // Inside the repository, so the external better-sqlite3 resolves from its node_modules; removed at the end.
  // build.mjs itself, pointed at a side folder: the benchmark measures exactly what ships, and dist/ stays untouched.
  const out = mkdtempSync(join(ROOT, '.bench-build-'));
  execFileSync(process.execPath, ['build.mjs'], { cwd: ROOT, env: { ...process.env, ZEBLIT_BUILD_OUT: out }, stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

interface Daemon {
  child: ChildProcess;
  socket: string;
  home: string;
}

async function startDaemon(script: string): Promise<Daemon> {
  const home = mkdtempSync(join(tmpdir(), 'zbl-bench-'));
  // Info: the request log gives the daemon's own time per request (the write benchmark reads it).
  const env = { ...process.env, ZEBLIT_HOME: home, ZEBLIT_PORT: '0', ZEBLIT_LOG_LEVEL: 'info', ZEBLIT_MAX_UPLOAD_BYTES: String(4096 * MiB), HOME: home };
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  // Its log also goes to stderr: show warnings and errors only (the request lines are read from the log file).
  let rest = '';
  child.stderr?.on('data', (c: Buffer) => {
    const lines = (rest + c.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) if (!/"level":(10|20|30),/.test(l)) process.stderr.write(`${l}\n`);
  });
  const socket = join(home, 'zeblitd.sock');
  for (let i = 0; i < 400; i++) {
    if (existsSync(socket) && (await call(socket, 'GET', '/api/v1/health').catch(() => null))?.status === 200) return { child, socket, home };
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error('the daemon did not start');
}

/**
 * Node's global agent keeps connections alive; one idle longer than the
 * daemon's keep-alive timeout (5 s, e.g. while a test tree is written) can be
 * closed by the daemon as it is reused: EPIPE or ECONNRESET. Such a request
 * never reached the handler, so it is sent again once.
 */
async function again<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPIPE' && code !== 'ECONNRESET') throw e;
    return fn();
  }
}

function call(socket: string, method: string, path: string, body?: unknown): Promise<{ status: number; data: unknown }> {
  return again(() => callOnce(socket, method, path, body));
}

function callOnce(socket: string, method: string, path: string, body?: unknown): Promise<{ status: number; data: unknown }> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const r = request({ socketPath: socket, method, path, headers: { host: 'localhost', ...(text ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const parsed = JSON.parse(Buffer.concat(chunks).toString() || 'null') as { data?: unknown } | null;
        resolve({ status: res.statusCode ?? 0, data: parsed?.data });
      });
    });
    r.on('error', reject);
    r.end(text);
  });
}

/** Streams `source` as the body of a PUT; resolves with the status when the daemon answered. */
function putStream(socket: string, path: string, size: number, source: AsyncIterable<Buffer>): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = request({ socketPath: socket, method: 'PUT', path, headers: { host: 'localhost', 'content-type': 'application/octet-stream', 'content-length': String(size) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    r.on('error', reject);
    void (async () => {
      for await (const chunk of source) if (!r.write(chunk)) await new Promise((d) => r.once('drain', d));
      r.end();
    })().catch(reject);
  });
}

function getToFile(socket: string, path: string, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = request({ socketPath: socket, method: 'GET', path, headers: { host: 'localhost' } }, (res) => {
      const out = createWriteStream(file);
      res.pipe(out);
      out.on('finish', () => resolve(res.statusCode ?? 0));
      out.on('error', reject);
    });
    r.on('error', reject);
    r.end();
  });
}

const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
/** CPU time (user + system) of a process, in ms, from /proc (clock ticks of 10 ms). */
const cpuOf = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) * 10;
};

/** Files for the tree benchmark: `count` files, 100 per folder pair (pkgN/ and pkgN/src/). */
function makeTreeFiles(ws: string, count: number): void {
  const perDir = 100;
  for (let d = 0; d < count / perDir; d++) {
    mkdirSync(join(ws, `pkg${d}`, 'src'), { recursive: true });
    for (let f = 0; f < perDir; f++) writeFileSync(join(ws, `pkg${d}`, f % 2 ? 'src' : '', `file${f}.ts`), 'x'.repeat(f));
  }
}

/** A GET whose body is read as bytes (not parsed): the time a client waits for the whole answer. */
function getBytes(socket: string, path: string): Promise<number> {
  return again(() => new Promise((resolve, reject) => {
    const r = request({ socketPath: socket, method: 'GET', path, headers: { host: 'localhost' } }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`GET ${path} answered ${res.statusCode}`))));
    });
    r.on('error', reject);
    r.end();
  }));
}

// ---- 1b. Tree through the built daemon's Unix socket -----------------------------------------
async function benchTreeSocket(d: Daemon, count: number): Promise<void> {
  const p = await call(d.socket, 'POST', '/api/v1/projects', { name: 'tree', template: 'blank' });
  const id = (p.data as { id: string }).id;
  makeTreeFiles(join(d.home, 'projects', id, 'workspace'), count);
  const path = `/api/v1/projects/${id}/files/tree`;
  for (let i = 0; i < 3; i++) await getBytes(d.socket, path);
  const wall: number[] = [];
  const cpu: number[] = [];
  const pid = d.child.pid ?? 0;
  let bytes = 0;
  for (let i = 0; i < 15; i++) {
    const c0 = cpuOf(pid);
    const t0 = performance.now();
    bytes = await getBytes(d.socket, path);
    wall.push(performance.now() - t0);
    cpu.push(cpuOf(pid) - c0);
  }
  const w = pct(wall, 50);
  say(`| same, GET /files/tree over the Unix socket of the built daemon (${(bytes / MiB).toFixed(1)} MiB answer read whole; daemon CPU from /proc, 10 ms ticks) | ${ms(w)} | ${ms(pct(wall, 95))} | ${ms(pct(cpu, 50))} | < 100 ms | wall ${w < 100 ? 'met' : 'MISSED'} |`);
  await call(d.socket, 'DELETE', `/api/v1/projects/${id}`);
}

// ---- 3. Throughput against cp ---------------------------------------------------------------
async function benchThroughput(d: Daemon, projectId: string, mib: number): Promise<void> {
  const dir = join(d.home, 'bench-data');
  mkdirSync(dir, { recursive: true });
  const src = join(dir, 'source.bin');
  const block = randomBytes(MiB);
  const out = createWriteStream(src);
  for (let i = 0; i < mib; i++) {
    block.writeUInt32LE(i, 0);
    if (!out.write(Buffer.from(block))) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  const size = statSync(src).size;
  const runs = 3;
  const cp: number[] = [];
  const up: number[] = [];
  const down: number[] = [];
  const upCpu: number[] = [];
  const downCpu: number[] = [];
  const pid = d.child.pid ?? 0;
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    spawnSync('cp', [src, join(dir, `copy${i}.bin`)]);
    cp.push(performance.now() - t0);
    t0 = performance.now();
    let c0 = cpuOf(pid);
    const status = await putStream(d.socket, `/api/v1/projects/${projectId}/files/big%2Fcopy${i}.bin`, size, createReadStream(src, { highWaterMark: MiB }) as AsyncIterable<Buffer>);
    up.push(performance.now() - t0);
    upCpu.push(cpuOf(pid) - c0);
    if (status !== 200) throw new Error(`upload answered ${status}`);
    t0 = performance.now();
    c0 = cpuOf(pid);
    await getToFile(d.socket, `/api/v1/projects/${projectId}/files/download/big%2Fcopy${i}.bin`, join(dir, `down${i}.bin`));
    down.push(performance.now() - t0);
    downCpu.push(cpuOf(pid) - c0);
    if (statSync(join(dir, `down${i}.bin`)).size !== size) throw new Error('download size differs');
  }
  const rate = (t: number) => `${((size / MiB) / (t / 1000)).toFixed(0)} MiB/s`;
  const c = pct(cp, 50);
  say(`| cp of ${mib} MiB on the same disk (median of ${runs}) | ${ms(c)} | ${rate(c)} | 1.00 | - |`);
  say(`| upload ${mib} MiB (PUT, raw bytes, Unix socket) | ${ms(pct(up, 50))} | ${rate(pct(up, 50))} | ${(c / pct(up, 50)).toFixed(2)} | ${ms(pct(upCpu, 50))} |`);
  say(`| download ${mib} MiB (GET /files/download) | ${ms(pct(down, 50))} | ${rate(pct(down, 50))} | ${(c / pct(down, 50)).toFixed(2)} | ${ms(pct(downCpu, 50))} |`);
  rmSync(dir, { recursive: true, force: true });
}

// ---- 4. RSS during a large upload -----------------------------------------------------------
async function benchRss(d: Daemon, projectId: string, mib: number): Promise<void> {
  const pid = d.child.pid ?? 0;
  const base = rssOf(pid);
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 20);
  const block = randomBytes(MiB);
  async function* source() {
    for (let i = 0; i < mib; i++) {
      block.writeUInt32LE(i, 0);
      yield Buffer.from(block);
    }
  }
  const t0 = performance.now();
  const status = await putStream(d.socket, `/api/v1/projects/${projectId}/files/huge.bin`, mib * MiB, source());
  const took = performance.now() - t0;
  clearInterval(sampler);
  if (status !== 200) throw new Error(`1 GiB upload answered ${status}`);
  say(`| daemon RSS during a ${mib} MiB upload (raw PUT, Unix socket): before ${(base / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB (+${((peak - base) / MiB).toFixed(0)} MiB), ${(mib / (took / 1000)).toFixed(0)} MiB/s | < 150 MB | ${peak < 150e6 ? 'met' : 'MISSED'} |`);
}

// ---- 2. API write visible inside the container ----------------------------------------------
async function benchVisibility(d: Daemon, projectId: string, n = 40): Promise<void> {
  const started = await call(d.socket, 'POST', `/api/v1/projects/${projectId}/container/start`);
  if (started.status !== 200) throw new Error(`container start answered ${started.status}: ${JSON.stringify(started.data)}`);
  // Waits for each file in turn, polling every 0.5 ms without forking (read -t on a FIFO) and stamping the
  // moment it appears with bash's $EPOCHREALTIME (the same kernel clock as the host's).
  const watcher = `mkfifo /tmp/zb-wait && exec 3<>/tmp/zb-wait; i=0; while [ $i -lt ${n} ]; do while [ ! -e /workspace/lat/f$i ]; do read -t 0.0005 -u 3 || true; done; echo "$i $EPOCHREALTIME"; i=$((i+1)); done`;
  const run = await call(d.socket, 'POST', `/api/v1/projects/${projectId}/container/execute`, { command: ['bash', '-c', watcher], detach: true, timeout_seconds: 300 });
  const runId = (run.data as { run_id: string }).run_id;
  await sleep(1000);
  const sent: number[] = [];
  const rtt: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < n; i++) {
    const h0 = performance.now();
    await call(d.socket, 'GET', `/api/v1/projects/${projectId}`);
    floor.push(performance.now() - h0);
    await sleep(30);
    const t0 = performance.timeOrigin + performance.now();
    const r = await call(d.socket, 'PUT', `/api/v1/projects/${projectId}/files/lat%2Ff${i}`, { content: `write ${i}` });
    rtt.push(performance.timeOrigin + performance.now() - t0);
    if (r.status !== 200) throw new Error(`write answered ${r.status}`);
    sent.push(t0);
    await sleep(30);
  }
  let stdout = '';
  for (let k = 0; k < 100; k++) {
    const r = await call(d.socket, 'GET', `/api/v1/projects/${projectId}/runs/${runId}`);
    const data = r.data as { status: string; stdout: string };
    stdout = data.stdout;
    if (data.status !== 'running') break;
    await sleep(100);
  }
  const seen = stdout.trim().split('\n').map((l) => l.split(' ').map(Number) as [number, number]);
  const lat = seen.filter(([i]) => sent[i] !== undefined).map(([i, sec]) => sec * 1000 - (sent[i] as number));
  if (lat.length !== n) throw new Error(`the watcher saw ${lat.length} of ${n} writes`);
  // The daemon's own time for each PUT, from its request log (first middleware in, last out).
  const own = readFileSync(join(d.home, 'logs', 'zeblitd.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"method":"PUT"') && l.includes('/files/lat%2Ff'))
    .map((l) => (JSON.parse(l) as { duration_ms: number }).duration_ms);
  say(`| API write (PUT, JSON) until visible inside the container (bind mount), ${n} writes | ${ms(pct(lat, 50))} | ${ms(pct(lat, 95))} | the whole PUT round trip: p50 ${ms(pct(rtt, 50))}; of it in the daemon's middleware and handler: p50 ${ms(pct(own, 50))}; HTTP floor (GET /projects/{id}, same socket): p50 ${ms(pct(floor, 50))} | < 10 ms | ${pct(lat, 50) < 10 ? 'met' : 'MISSED'} |`);
  await call(d.socket, 'POST', `/api/v1/projects/${projectId}/container/stop`);
}

async function main(): Promise<void> {
  say(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${platform()} ${release()}, Node ${process.version}; load average ${loadavg()[0]?.toFixed(1)} at the start; ${new Date().toISOString().slice(0, 10)}.`);
  say('');
  if (parts.has('tree')) {
    say('| tree | p50 | p95 | CPU p50 | goal | |');
    say('| --- | --- | --- | --- | --- | --- |');
    await benchTree(Number(values.files));
  }
  const dir = await bundle();
  const d = await startDaemon(join(dir, 'zeblitd.js'));
  let made: string | null = null;
  try {
    const p = await call(d.socket, 'POST', '/api/v1/projects', { name: 'bench', template: 'blank' });
    const projectId = (p.data as { id: string }).id;
    made = projectId;
    // Memory first, on a fresh daemon: later transfers leave V8 and malloc holding pages they may reuse.
    if (parts.has('memory')) {
      say('');
      say('| memory | goal | |');
      say('| --- | --- | --- |');
      await benchRss(d, projectId, Number(values['rss-mib']));
    }
    if (parts.has('tree')) {
      say('');
      say('| tree through the daemon | p50 | p95 | daemon CPU p50 | goal | |');
      say('| --- | --- | --- | --- | --- | --- |');
      await benchTreeSocket(d, Number(values.files));
    }
    if (!values['no-container'] && parts.has('container')) {
      say('');
      say('| container | p50 | p95 | note | goal | |');
      say('| --- | --- | --- | --- | --- | --- |');
      try {
        await benchVisibility(d, projectId);
      } catch (e) {
        say(`| API write visible inside the container | not measured: ${(e as Error).message} | | | < 10 ms | |`);
      }
    }
    if (parts.has('transfer')) {
      say('');
      say('| transfer | time | speed | speed vs cp | daemon CPU |');
      say('| --- | --- | --- | --- | --- |');
      await benchThroughput(d, projectId, Number(values['upload-mib']));
    }
  } finally {
    // Its container, network and volume go with it (the daemon is gone after this).
    if (made) await call(d.socket, 'DELETE', `/api/v1/projects/${made}`).catch(() => undefined);
    d.child.kill('SIGTERM');
    await new Promise((r) => d.child.once('exit', r));
    rmSync(d.home, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
  if (values.write) writeSection();
}

function writeSection(): void {
  const file = join(ROOT, 'docs', 'benchmarks.md');
  const SECTION = '## Files';
  const body = `${SECTION}\n\nMeasured by \`node --import tsx scripts/bench/files.ts --write\` (the daemon built from this tree, run as a child process; the machine is shared with other test runs, so wall times carry their load: CPU time is the steadier figure. Daemon CPU for transfers includes kernel time, read from /proc).\n\n${lines.join('\n')}\n`;
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = old.indexOf(`${SECTION}\n`);
  let next = start < 0 ? -1 : old.indexOf('\n## ', start + SECTION.length);
  if (next >= 0) next += 1;
  const updated = start < 0 ? `${old.trimEnd()}\n\n${body}` : `${old.slice(0, start)}${body}${next < 0 ? '' : `\n${old.slice(next)}`}`;
  writeFileSync(file, updated);
  console.log(`wrote the "${SECTION}" section of docs/benchmarks.md`);
}

await main();
