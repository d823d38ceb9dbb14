/**
 * The single executable (node build.mjs --sea) against `node dist/zeblitd.js`,
 * in the same run, runs alternating: its size, `--version` (process start and
 * module loading), and a daemon's start until /api/v1/health answers on its
 * socket in a fresh home: the executable's first start on an empty cache
 * (it writes its files out) and later ones.
 *
 *   node build.mjs --sea && node --import tsx scripts/bench/sea.ts [--runs 7] [--write]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { writeSection } from './report.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, write: { type: 'boolean', default: false } } });
const RUNS = Number(values.runs);
const ROOT = join(import.meta.dirname, '..', '..');
const SEA = join(ROOT, 'dist', 'sea', 'zeblitd');
const JS = join(ROOT, 'dist', 'zeblitd.js');
if (!existsSync(SEA) || !existsSync(JS)) throw new Error('build first: node build.mjs --sea');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const scratch = mkdtempSync(join(tmpdir(), 'zbl-sea-bench-'));

type Program = { name: string; command: string[] };
const programs: Program[] = [
  { name: 'node dist/zeblitd.js', command: [process.execPath, JS] },
  { name: 'dist/sea/zeblitd', command: [SEA] },
];

function versionMs(p: Program, cache: string): number {
  const t0 = performance.now();
  const r = spawnSync(p.command[0] ?? '', [...p.command.slice(1), '--version'], { env: { ...process.env, ZEBLIT_CACHE_DIR: cache }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${p.name} --version: ${r.stderr}`);
  return performance.now() - t0;
}

const healthy = (socket: string) =>
  new Promise<boolean>((resolve) => {
    const req = request({ socketPath: socket, path: '/api/v1/health' }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });

async function readyMs(p: Program, cache: string): Promise<number> {
  const home = mkdtempSync(join(scratch, 'h-'));
  const t0 = performance.now();
  const child = spawn(p.command[0] ?? '', p.command.slice(1), { env: { ...process.env, ZEBLIT_HOME: home, ZEBLIT_PORT: '0', ZEBLIT_CACHE_DIR: cache }, stdio: 'ignore' });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${p.name} exited with ${child.exitCode}`);
      if (await healthy(join(home, 'zeblitd.sock'))) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

try {
  const warmCache = join(scratch, 'cache-warm');
  versionMs(programs[1] as Program, warmCache); // extract once
  const version: Record<string, number[]> = {};
  const ready: Record<string, number[]> = {};
  const cold: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    for (const p of programs) {
      (version[p.name] ??= []).push(versionMs(p, warmCache));
      (ready[p.name] ??= []).push(await readyMs(p, warmCache));
    }
    cold.push(await readyMs(programs[1] as Program, join(scratch, `cache-cold-${i}`)));
  }
  const size = statSync(SEA).size;
  const nodeSize = statSync(process.execPath).size;
  const rows = [
    `| size on disk | ${(nodeSize / 2 ** 20).toFixed(1)} MiB (the node binary) + ${(statSync(JS).size / 2 ** 20).toFixed(1)} MiB (zeblitd.js) + node_modules/better-sqlite3 | ${(size / 2 ** 20).toFixed(1)} MiB, nothing else |`,
    `| \`--version\` (start, load every module, exit), median of ${RUNS} | ${median(version['node dist/zeblitd.js'] ?? []).toFixed(0)} ms | ${median(version['dist/sea/zeblitd'] ?? []).toFixed(0)} ms |`,
    `| daemon start until /health answers on the socket (fresh home: migrations run), median of ${RUNS} | ${median(ready['node dist/zeblitd.js'] ?? []).toFixed(0)} ms | ${median(ready['dist/sea/zeblitd'] ?? []).toFixed(0)} ms (files already in the cache) |`,
    `| same, first start on an empty cache (writes its ${'files'} out), median of ${RUNS} | - | ${median(cold).toFixed(0)} ms |`,
  ];
  for (const r of rows) console.log(r);
  const section = [
    '## Single executable (build.mjs --sea)',
    '',
    `Measured by \`node build.mjs --sea && node --import tsx scripts/bench/sea.ts --runs ${RUNS} --write\`: the executable against \`node dist/zeblitd.js\` of the same build, runs alternating; the cold start uses a new ZEBLIT_CACHE_DIR each time.`,
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model.split(' ')[0] ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${platform()} ${release()}, Node ${process.version}; load average ${loadavg()[0]?.toFixed(1)} at the end; ${new Date().toISOString().slice(0, 10)}.`,
    '',
    '| | node dist/zeblitd.js | dist/sea/zeblitd |',
    '| --- | --- | --- |',
    ...rows,
  ];
  if (values.write) console.log(`wrote ${writeSection('## Single executable (build.mjs --sea)', section.join('\n'))}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
