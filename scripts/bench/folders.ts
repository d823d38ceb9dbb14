/**
 * Folder projects at scale: `zeblit init` on a 50,000-file repository (wall
 * time of the built CLI, daemon RSS before/after and its peak), against a
 * baseline on the same tree in the same run (a bare readdir + lstat walk, and
 * `cp -r`, what copying it into the version store would at least cost); then
 * how soon an edit made on the host is a version by `host` (the watcher),
 * p50/p95 over N edits, as the file.changed event arrives on the WebSocket.
 *
 *   node build.mjs && node --import tsx scripts/bench/folders.ts [--files 50000] [--edits 40] [--write]
 *
 * Uses the built dist/ (build first). --write replaces the section in docs/benchmarks.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, rssOf, startDaemon } from './files-daemon.ts';
import { writeSection } from './report.ts';
import WebSocket from 'ws';

const { values } = parseArgs({ options: { files: { type: 'string', default: '50000' }, edits: { type: 'string', default: '40' }, write: { type: 'boolean', default: false } } });
const FILES = Number(values.files);
const EDITS = Number(values.edits);
const PER_DIR = 100;
const MB = 1024 * 1024;

const peakOf = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

function makeRepo(dir: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('git', ['init', '-q', dir]);
  for (let d = 0; d < FILES / PER_DIR; d++) {
    const sub = join(dir, `pkg${Math.floor(d / 10)}`, `mod${d}`);
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < PER_DIR; f++) writeFileSync(join(sub, `f${f}.ts`), `export const v${f} = ${d * PER_DIR + f};\n`);
  }
}

function walk(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === '.git') continue;
    const p = join(dir, e.name);
    const st = lstatSync(p);
    n += st.isDirectory() ? walk(p) : 1;
  }
  return n;
}

async function main(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'zbl-bench-folders-'));
  const repo = join(base, 'repo');
  const load0 = loadavg()[0] ?? 0;
  let t = process.hrtime.bigint();
  makeRepo(repo);
  const makeMs = ms(t);
  console.error(`tree of ${FILES} files written in ${makeMs.toFixed(0)} ms`);

  // Baselines on the same tree, in this run.
  t = process.hrtime.bigint();
  const walked = walk(repo);
  const walkMs = ms(t);
  t = process.hrtime.bigint();
  execFileSync('cp', ['-r', repo, join(base, 'copy')]);
  const cpMs = ms(t);
  rmSync(join(base, 'copy'), { recursive: true, force: true });

  const daemon = await startDaemon(join(ROOT, 'dist', 'zeblitd.js'));
  const pid = daemon.child.pid ?? 0;
  try {
    const rss0 = rssOf(pid);
    t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'zeblit.cjs'), 'init', '--name', 'big', '--template', 'blank', '--json', '--no-start'], {
      cwd: repo,
      env: { ...process.env, ZEBLIT_HOME: daemon.home, HOME: daemon.home, NO_COLOR: '1' },
      encoding: 'utf8',
    });
    const initMs = ms(t);
    console.error(`zeblit init: ${initMs.toFixed(0)} ms`);
    if (r.status !== 0) throw new Error(`zeblit init failed: ${r.stderr}`);
    const project = JSON.parse(r.stdout) as { id: string };
    const rss1 = rssOf(pid);
    const peak = peakOf(pid);
    // The blob store is made on the first blob: no folder, no blob.
    const blobDir = join(daemon.home, 'blobs');
    const blobs = existsSync(blobDir) ? readdirSync(blobDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length : 0;

    // Host edits: how soon each one is a version by host, as a file.changed event on the WebSocket
    // (polling the file's versions would itself notice the change: that is the read path, not the watcher).
    const ws = new WebSocket(`ws+unix://${daemon.socket}:/api/v1/ws`);
    const waiting = new Map<string, () => void>();
    ws.on('message', (raw: Buffer) => {
      const m = JSON.parse(raw.toString()) as { type: string; event?: { type: string; data: { path?: string; author?: string } } };
      const e = m.event;
      if (m.type === 'event' && e?.type === 'file.changed' && e.data.author === 'host' && e.data.path) waiting.get(e.data.path)?.();
    });
    await new Promise<void>((res, rej) => {
      ws.once('error', rej);
      ws.once('open', () => {
        ws.send(JSON.stringify({ type: 'subscribe', project_id: project.id, topics: ['files'] }));
        ws.on('message', function subscribed(raw: Buffer) {
          if ((JSON.parse(raw.toString()) as { type: string }).type === 'subscribed') {
            ws.off('message', subscribed);
            res();
          }
        });
      });
    });
    const lat: number[] = [];
    for (let i = 0; i < EDITS; i++) {
      const d = (i * 37) % (FILES / PER_DIR);
      const rel = `pkg${Math.floor(d / 10)}/mod${d}/f${i % PER_DIR}.ts`;
      const seen = new Promise<void>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`edit of ${rel} not seen in 10 s`)), 10_000);
        waiting.set(rel, () => {
          clearTimeout(timer);
          res();
        });
      });
      const t0 = process.hrtime.bigint();
      writeFileSync(join(repo, rel), `export const edited = ${i};\n`);
      await seen;
      lat.push(ms(t0));
      waiting.delete(rel);
      await new Promise((r) => setTimeout(r, 50)); // one edit at a time, as a person saves
    }
    ws.close();
    const rss2 = rssOf(pid);

    const f = (x: number) => x.toFixed(0);
    const lines = [
      '## Folder projects (scripts/bench/folders.ts)',
      '',
      `\`zeblit init\` on a folder of ${FILES.toLocaleString('en')} small files in ${FILES / PER_DIR} folders (plus an empty .git), built CLI and daemon, daemon on the Unix socket. ${cpus().length} cores, load average ${load0.toFixed(1)} at the start (the machine is shared).`,
      '',
      '| what | figure | goal |',
      '| --- | --- | --- |',
      `| \`zeblit init\` wall time (CLI start → project ready, baseline recorded, watcher on) | ${f(initMs)} ms | < 5 s |`,
      `| baseline: bare readdir + lstat walk of the same tree (${walked} files) | ${f(walkMs)} ms | |`,
      `| baseline: \`cp -r\` of the tree (what copying it would at least cost) | ${f(cpMs)} ms | |`,
      `| daemon RSS before → after init (peak during) | ${f(rss0 / MB)} → ${f(rss1 / MB)} MB (${f(peak / MB)} MB) | < 200 MB |`,
      `| blobs stored by the import | ${blobs} | 0 |`,
      `| host edit → version by \`host\`, p50 / p95 / max over ${EDITS} edits | ${f(pct(lat, 50))} / ${f(pct(lat, 95))} / ${f(Math.max(...lat))} ms | p50 < 200 ms |`,
      `| daemon RSS after the edits | ${f(rss2 / MB)} MB | |`,
      '',
      `Writing the test tree took ${f(makeMs)} ms. A scan before each agent turn instead of the watcher would cost at least the bare walk above on every turn (and the daemon's own walk of the tree with the ignore rules more); the watcher costs one inotify watch per folder (${FILES / PER_DIR + Math.ceil(FILES / PER_DIR / 10) + 1} here) and reacts in the time shown.`,
    ];
    const text = `${lines.join('\n')}\n`;
    process.stdout.write(text);
    if (values.write) console.log(`wrote ${writeSection(lines[0] as string, text)}`);
  } finally {
    daemon.child.kill('SIGTERM');
    rmSync(base, { recursive: true, force: true });
  }
}

await main();
