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
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { makeTestApp } from '../../src/api/testing.ts';
import { MiB, ROOT, bundle, call, cpuOf, getBytes, getToFile, makeTreeFiles, putStream, rssOf, startDaemon, type Daemon } from './files-daemon.ts';
import { writeSection } from './report.ts';

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
  if (values.write) writeFilesSection();
}

function writeFilesSection(): void {
  const SECTION = '## Files';
  const body = `${SECTION}\n\nMeasured by \`node --import tsx scripts/bench/files.ts --write\` (the daemon built from this tree, run as a child process; the machine is shared with other test runs, so wall times carry their load: CPU time is the steadier figure. Daemon CPU for transfers includes kernel time, read from /proc).\n\n${lines.join('\n')}\n`;
  writeSection(SECTION, body);
  console.log(`wrote the "${SECTION}" section of docs/benchmarks.md`);
}

await main();
