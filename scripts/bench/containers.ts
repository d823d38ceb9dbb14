/**
 * Container benchmark on the BUILT daemon and the real engine, with the
 * baselines measured in the same run:
 *
 *   cold start   POST /container/start → first exec of `true` answered, for a
 *                project never started (network, volume, container, runner),
 *                and for a stopped container; against `docker run --rm IMAGE true`.
 *                Goal: ≤ 1.3× docker run and < 1 s.
 *   warm exec    POST /container/execute {command:["true"]} over the Unix socket
 *                (keep-alive), against dockerode's own exec (create, start, wait,
 *                inspect) in the same container. Goal: p50 < 15 ms.
 *
 *   node --import tsx scripts/bench/containers.ts [--cold 5] [--warm 300] [--baseline 100] [--write]
 *
 * --write  replaces the "Containers" section of docs/benchmarks.md (other sections stay).
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import Docker from 'dockerode';
import { cleanup, DAEMON_JS, requireBuilt, ROOT, startDaemon, stopDaemon, tempHome } from '../../test/e2e/helpers.ts';
import { machineAtEnd } from './lib/machine.ts';
import { cpuSeconds } from './lib/proc.ts';
import { socketApi } from './lib/socket-api.ts';
import { ms, pct } from './lib/stats.ts';
import { writeSection } from './report.ts';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    cold: { type: 'string', default: '5' },
    warm: { type: 'string', default: '300' },
    baseline: { type: 'string', default: '100' },
    image: { type: 'string', default: 'zeblit/blank:local' },
    write: { type: 'boolean', default: false },
  },
});
const COLD = Number(values.cold);
const WARM = Number(values.warm);
const BASELINE = Number(values.baseline);
const IMAGE = values.image;
const SECTION = '## Containers: cold start and warm exec';

/** CPU seconds a container used so far (everything in it: the runner and the commands). */
async function containerCpu(c: Docker.Container): Promise<number> {
  const s = (await c.stats({ stream: false })) as { cpu_stats: { cpu_usage: { total_usage: number } } };
  return s.cpu_stats.cpu_usage.total_usage / 1e9;
}

async function main(): Promise<void> {
  requireBuilt(DAEMON_JS);
  const docker = new Docker();
  await docker.getImage(IMAGE).inspect();
  const home = tempHome('bench');
  // The template image is given outright: no registry here, so no pull attempt to time.
  writeFileSync(join(home, 'config.json'), JSON.stringify({ images: { blank: IMAGE } }));
  const daemon = await startDaemon(home, { env: { ZEBLIT_LOG_LEVEL: 'warn' } });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const call = socketApi(daemon.socket, agent);
  const projects: string[] = [];
  const newProject = async (name: string) => {
    const p = await call<{ id: string }>('POST', '/projects', { name, template: 'blank' });
    projects.push(p.id);
    return p.id;
  };
  const exec = (id: string) => call('POST', `/projects/${id}/container/execute`, { command: ['true'] });
  try {
    // ---- cold start ----
    const coldNew: number[] = [];
    const coldStopped: number[] = [];
    const dockerRun: number[] = [];
    await run('docker', ['run', '--rm', IMAGE, 'true']); // warm the image cache for everyone alike
    for (let i = 0; i < COLD; i++) {
      let t0 = performance.now();
      await run('docker', ['run', '--rm', IMAGE, 'true']);
      dockerRun.push(performance.now() - t0);

      const id = await newProject(`cold${i}`);
      t0 = performance.now();
      await call('POST', `/projects/${id}/container/start`);
      await exec(id);
      coldNew.push(performance.now() - t0);

      await call('POST', `/projects/${id}/container/stop`);
      t0 = performance.now();
      await call('POST', `/projects/${id}/container/start`);
      await exec(id);
      coldStopped.push(performance.now() - t0);
    }

    // ---- warm exec ----
    const id = await newProject('warm');
    await call('POST', `/projects/${id}/container/start`);
    for (let i = 0; i < 20; i++) await exec(id);
    const container = docker.getContainer(`zeblit-${id}`);
    const warm: number[] = [];
    const daemonCpu0 = cpuSeconds(daemon.pid);
    const containerCpu0 = await containerCpu(container);
    for (let i = 0; i < WARM; i++) {
      const t0 = performance.now();
      await exec(id);
      warm.push(performance.now() - t0);
    }
    const daemonCpuMs = ((cpuSeconds(daemon.pid) - daemonCpu0) * 1000) / WARM;
    const containerCpuMs = (((await containerCpu(container)) - containerCpu0) * 1000) / WARM;
    const dockerodeExec: number[] = [];
    for (let i = 0; i < BASELINE; i++) {
      const t0 = performance.now();
      const e = await container.exec({ Cmd: ['true'], AttachStdout: true, AttachStderr: true });
      const stream = await e.start({ hijack: true, stdin: false });
      await new Promise<void>((resolve) => {
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.resume();
      });
      await e.inspect();
      dockerodeExec.push(performance.now() - t0);
    }

    const runMed = pct(dockerRun, 50);
    const rows: [string, number[], string][] = [
      ['docker run --rm IMAGE true (CLI)', dockerRun, 'baseline'],
      ['new project: start → first exec', coldNew, `${(pct(coldNew, 50) / runMed).toFixed(2)}× docker run`],
      ['stopped container: start → first exec', coldStopped, `${(pct(coldStopped, 50) / runMed).toFixed(2)}× docker run`],
      ['dockerode exec of `true`', dockerodeExec, 'baseline'],
      ['API exec of `true` (socket, runner)', warm, `${(pct(dockerodeExec, 50) / pct(warm, 50)).toFixed(1)}× faster than dockerode exec`],
    ];
    const table = [
      '| measure | n | p50 | p99 | vs baseline |',
      '| --- | ---: | ---: | ---: | --- |',
      ...rows.map(([name, xs, note]) => `| ${name} | ${xs.length} | ${ms(pct(xs, 50))} | ${ms(pct(xs, 99))} | ${note} |`),
    ];
    const goals = [
      `- cold start (stopped container) ≤ 1.3× docker run and < 1 s: ${pct(coldStopped, 50) <= 1.3 * runMed && pct(coldStopped, 50) < 1000 ? 'met' : 'NOT met'}`,
      `- cold start (new project, creates network, volume, container) ≤ 1.3× docker run and < 1 s: ${pct(coldNew, 50) <= 1.3 * runMed && pct(coldNew, 50) < 1000 ? 'met' : 'NOT met'}`,
      `- warm exec p50 < 15 ms: ${pct(warm, 50) < 15 ? 'met' : 'NOT met'} (${ms(pct(warm, 50))})`,
    ];
    const cpu = `CPU per warm exec (steadier than wall time on a busy machine): daemon ${ms(daemonCpuMs)}, inside the container (runner + the command) ${ms(containerCpuMs)}.`;
    const machine = machineAtEnd(`Docker ${(await docker.version()).Version}`, `image ${IMAGE}`);
    console.log(`\n${table.join('\n')}\n\n${goals.join('\n')}\n\n${cpu}\n\n${machine}`);
    if (values.write) writeDocs(table, [...goals, '', cpu], machine);
  } finally {
    for (const id of projects) await call('DELETE', `/projects/${id}`).catch((e: unknown) => console.error(`could not delete ${id}: ${String(e)}`));
    agent.destroy();
    await stopDaemon(daemon);
    await cleanup();
  }
}

function writeDocs(table: string[], goals: string[], machine: string): void {
  const file = join(ROOT, 'docs', 'benchmarks.md');
  const section = [
    SECTION,
    '',
    'Measured by `node --import tsx scripts/bench/containers.ts --write` on the built daemon, over the Unix socket,',
    `with the baselines in the same run. ${machine}.`,
    '',
    ...table,
    '',
    'Goals:',
    '',
    ...goals,
    '',
    'Where the time goes. Warm exec goes through the persistent runner (docs/containers.md): one frame each',
    'way on a long-lived `docker exec` (a runner ping answers in ~0.4 ms), and a child forked ahead of time, so',
    'no `docker exec` and no fork sit on the command\'s path. What is left is creating the process itself, which',
    'is slow on this VM: fork + exec of `true` costs 8–10 ms of CPU in a container here (the CPU figure above',
    'includes forking the next spare), plus the daemon\'s share (HTTP, auth, audit, the run record, the',
    'workspace scan after each run). On a machine shared with other test runs (both cores busy) wall time',
    'follows CPU time; with less load (load average ~3), a warm exec through the service (no HTTP) took 11.7 ms',
    'p50, the runner alone 9.6 ms.',
    'A cold start is Docker\'s create/start plus one `docker exec` for the runner; a new project also creates',
    'its network and volume (in parallel).',
    '',
  ].join('\n');
  writeSection(SECTION, section, file);
  console.log(`wrote the "${SECTION.slice(3)}" section of docs/benchmarks.md`);
}

await main();
