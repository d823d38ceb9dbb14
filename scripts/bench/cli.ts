/**
 * CLI start-up benchmark: the wall time of whole `zeblit` processes, as a
 * user's shell pays it, against `node -e 0` (the floor of any Node program)
 * and `docker ps` measured in the same run, interleaved round by round so
 * that the machine's load touches every case alike.
 *
 *   zeblit --version      nothing to ask the daemon
 *   zeblit list           a real answer from a running daemon (3 projects)
 *   zeblit --help         every command's usage
 *   completion            what the shell runs on <Tab> (a project name, live, then cached)
 *   completion, next Tab  the next <Tab> at the same place: the script's memo, no zeblit started
 *
 *   node --import tsx scripts/bench/cli.ts [--runs 30] [--dist DIR] [--before-rev REV] [--profile] [--write]
 *
 * Without --dist it bundles this tree into .build-bench-cli (dist/ is left alone).
 * --before-rev  also measures the CLI of another commit (git archive into a
 *               temporary folder, built there) against the same daemon.
 * --profile     one `zeblit list` under --cpu-prof, and where its time went.
 * --write       replaces the "## CLI start-up" section of docs/benchmarks.md.
 * Goals (issue 14): `zeblit list` and `zeblit --version` ≤ 1.5 × `node -e 0`;
 * a cached completion < 100 ms.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { cleanup, dataOf, request, ROOT, sock, startDaemon, stopDaemon, tempHome } from '../../test/e2e/helpers.ts';
import { summarizeProfile } from './profile.ts';
import { writeSection } from './report.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '30' },
    dist: { type: 'string' },
    'before-rev': { type: 'string' },
    profile: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const SECTION = '## CLI start-up';

const out: string[] = [];
const say = (s = '') => {
  console.log(s);
  out.push(s);
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? Number.NaN;
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** Bundles `dir` (a checkout with build.mjs) into `dir/<outName>` and returns that folder. */
function buildAt(dir: string, outName: string): string {
  execFileSync(process.execPath, ['build.mjs'], { cwd: dir, env: { ...process.env, ZEBLIT_BUILD_OUT: outName }, stdio: ['ignore', 'ignore', 'inherit'] });
  return join(dir, outName);
}

/** The CLI of another commit, built in a temporary folder that shares this tree's node_modules. */
function buildRevision(rev: string): { dist: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'zbl-bench-rev-'));
  execFileSync('sh', ['-c', `git -C "${ROOT}" archive "${rev}" | tar -x -C "${dir}"`]);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return { dist: buildAt(dir, 'dist'), dir };
}

/**
 * The next <Tab> at the same place of the line (one more letter typed, or
 * the second <Tab> that lists): the completion script answers from its memo
 * without starting zeblit. Timed inside bash (EPOCHREALTIME), RUNS calls,
 * after one call that asks zeblit; each must offer the project.
 */
function memoTimes(cliPath: string, env: NodeJS.ProcessEnv): number[] {
  const dir = mkdtempSync(join(tmpdir(), 'zbl-bench-memo-'));
  try {
    writeFileSync(join(dir, 'zeblit'), `#!/bin/sh\nexec "${process.execPath}" "${cliPath}" "$@"\n`);
    chmodSync(join(dir, 'zeblit'), 0o755);
    writeFileSync(join(dir, 'c.bash'), spawnSync(process.execPath, [cliPath, 'completion', 'bash'], { env, encoding: 'utf8' }).stdout);
    const prog = [
      `source ${dir}/c.bash`,
      "COMP_WORDS=(zeblit use ''); COMP_CWORD=2; _zeblit_complete",
      `for i in $(seq ${RUNS}); do COMP_WORDS=(zeblit use w); COMPREPLY=(); t0=$EPOCHREALTIME; _zeblit_complete; t1=$EPOCHREALTIME; echo "$t0 $t1 \${COMPREPLY[*]}"; done`,
    ].join('\n');
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c', prog], { env: { ...env, LC_ALL: 'C', PATH: `${dir}:${env.PATH ?? ''}` }, encoding: 'utf8' });
    return r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f[2] === 'web')
      .map((f) => (Number(f[1]) - Number(f[0])) * 1000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Case {
  name: string;
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  times: number[];
  /** User + system CPU seconds of the process, in ms (GNU time), when available. */
  cpu: number[];
}

/** GNU time reports a child's CPU time, which the machine's load disturbs much less than the wall time. */
const GNU_TIME = spawnSync('/usr/bin/time', ['-f', '%U', 'true'], { stdio: 'ignore' }).status === 0 ? '/usr/bin/time' : null;
const cpuFile = join(tmpdir(), `zbl-bench-cpu-${process.pid}`);

function timeOnce(c: Case, env: NodeJS.ProcessEnv): { wall: number; cpu: number | null } {
  const [cmd, args] = GNU_TIME ? [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, c.cmd, ...c.args]] : [c.cmd, c.args];
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { env: { ...env, ...c.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const wall = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}: ${r.stderr.toString().slice(0, 500)}`);
  if (!GNU_TIME) return { wall, cpu: null };
  const [u, s] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).map(Number);
  return { wall, cpu: ((u ?? 0) + (s ?? 0)) * 1000 };
}

const dist = values.dist ? resolve(values.dist) : buildAt(ROOT, '.build-bench-cli');
const before = values['before-rev'] ? buildRevision(values['before-rev']) : undefined;
const home = tempHome('bench-cli');
const daemon = await startDaemon(home, { script: join(dist, 'zeblitd.js') });
try {
  for (const name of ['api', 'web', 'worker']) dataOf(await request(sock(daemon), { method: 'POST', path: '/api/v1/projects', json: { name, template: 'blank' } }));
  const env: NodeJS.ProcessEnv = { ...process.env, ZEBLIT_HOME: home, HOME: home, NO_COLOR: '1' };
  for (const v of ['ZEBLIT_HOST', 'ZEBLIT_API_KEY', 'ZEBLIT_SOCKET', 'ZEBLIT_NO_AUTOSTART']) delete env[v];
  // The CLI is dist/zeblit.cjs since issue 14; older builds have dist/zeblit.js.
  const cli = (d: string) => (existsSync(join(d, 'zeblit.cjs')) ? join(d, 'zeblit.cjs') : join(d, 'zeblit.js'));
  const cases: Case[] = [{ name: 'node -e 0', cmd: process.execPath, args: ['-e', '0'], times: [], cpu: [] }];
  const docker = spawnSync('docker', ['ps'], { stdio: 'ignore' }).status === 0;
  if (docker) cases.push({ name: 'docker ps', cmd: 'docker', args: ['ps'], times: [], cpu: [] });
  const zeblit = (label: string, d: string) => {
    cases.push({ name: `${label}zeblit --version`, cmd: process.execPath, args: [cli(d), '--version'], times: [], cpu: [] });
    cases.push({ name: `${label}zeblit list`, cmd: process.execPath, args: [cli(d), 'list'], times: [], cpu: [] });
    cases.push({ name: `${label}zeblit --help`, cmd: process.execPath, args: [cli(d), '--help'], times: [], cpu: [] });
  };
  zeblit('', dist);
  cases.push({ name: 'zeblit list, code cache off (ZEBLIT_CODE_CACHE=0)', cmd: process.execPath, args: [cli(dist), 'list'], env: { ZEBLIT_CODE_CACHE: '0' }, times: [], cpu: [] });
  // What bash runs on `zeblit use <Tab>`: the first call asks the daemon, the next ones read the cache.
  const complete = [cli(dist), '__complete', 'bash', '2', 'zeblit', 'use', ''];
  if (spawnSync(process.execPath, complete, { env, stdio: 'ignore' }).status === 0) cases.push({ name: 'completion of a project name (cached)', cmd: process.execPath, args: complete, times: [], cpu: [] });
  if (before) zeblit(`before (${values['before-rev']}): `, before.dist);

  const load0 = loadavg()[0] ?? 0;
  for (const c of cases) timeOnce(c, env); // warm the page cache and the completion cache
  for (let r = 0; r < RUNS; r++)
    for (const c of cases) {
      const t = timeOnce(c, env);
      c.times.push(t.wall);
      if (t.cpu !== null) c.cpu.push(t.cpu);
    }
  const load1 = loadavg()[0] ?? 0;
  if (cases.some((c) => /completion/.test(c.name))) {
    const times = memoTimes(cli(dist), env);
    if (times.length > 0) cases.push({ name: "completion, the next <Tab> at the same place (bash: the script's memo)", cmd: 'bash', args: [], times, cpu: [] });
  }

  const floor = pct(cases[0]?.times ?? [], 50);
  const cpuFloor = pct(cases[0]?.cpu ?? [], 50);
  const dockerMedian = docker ? pct(cases[1]?.times ?? [], 50) : undefined;
  say(SECTION);
  say('');
  say(
    `Measured by \`node --import tsx scripts/bench/cli.ts${values['before-rev'] ? ` --before-rev ${values['before-rev']}` : ''} --write\`: whole processes started with spawnSync, ${RUNS} rounds, the cases interleaved in each round (after one warm-up round), against a daemon of the same build in a temporary home with 3 projects; output to a pipe, NO_COLOR=1.`,
  );
  say('');
  say(`Machine: ${platform()} ${release()}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}; load average ${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end (other work shares the machine); ${new Date().toISOString().slice(0, 10)}.`);
  say('');
  say('| command | wall p50 | wall p90 | wall × node -e 0 | over node -e 0 | wall × docker ps | CPU p50 | CPU × node -e 0 | goal (wall) |');
  say('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const c of cases) {
    const p50 = pct(c.times, 50);
    const ratio = p50 / floor;
    const goal = /^zeblit (--version|list)$/.test(c.name) ? (ratio <= 1.5 ? '≤ 1.5×: met' : '≤ 1.5×: NOT met') : /completion/.test(c.name) ? (p50 < 100 ? '< 100 ms: met' : '< 100 ms: NOT met') : '';
    const cpu = c.cpu.length ? pct(c.cpu, 50) : Number.NaN;
    say(`| ${c.name} | ${ms(p50)} | ${ms(pct(c.times, 90))} | ${ratio.toFixed(2)} | ${c === cases[0] ? '-' : `+${ms(p50 - floor)}`} | ${dockerMedian ? (p50 / dockerMedian).toFixed(2) : '-'} | ${c.cpu.length ? ms(cpu) : '-'} | ${c.cpu.length ? (cpu / cpuFloor).toFixed(2) : '-'} | ${goal} |`);
  }
  say('');
  say(
    "A <Tab> that has to start zeblit pays Node's own start (the `node -e 0` row) and about 30 ms of its own, reading its answer from the cache; no Node program can answer in under 100 ms on a machine where Node alone takes longer. The completion scripts therefore keep their last answer: the next <Tab> at the same place of the line (one more letter typed, or the second <Tab> that lists) is answered by the shell without starting anything (the last row, timed inside bash).",
  );

  if (values.profile) {
    const profDir = mkdtempSync(join(tmpdir(), 'zbl-cli-prof-'));
    spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--cpu-prof-interval', '50', cli(dist), 'list'], { env, stdio: 'ignore' });
    console.log(`\n${summarizeProfile(profDir, `${cli(dist)}.map`, 25)}`);
    rmSync(profDir, { recursive: true, force: true });
  }
  if (values.write) console.log(`\nwrote ${writeSection(SECTION, out.join('\n'))}`);
} finally {
  await stopDaemon(daemon);
  await cleanup();
  if (before) rmSync(before.dir, { recursive: true, force: true });
  if (!values.dist) rmSync(dist, { recursive: true, force: true });
  rmSync(cpuFile, { force: true });
}
