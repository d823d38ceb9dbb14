/**
 * Other users' latency during an anonymous flood of GET /api/v1/openapi.json
 * (the issue's case: 300 requests, 10 at a time, default rate limits), on the
 * BUILT daemon. Another user calls GET /api/v1/projects with their key every
 * 20 ms, first alone (the baseline, same run, same daemon), then while the
 * flood runs. With --before, an older build is measured the same way first,
 * e.g. the build from before the document was cached.
 *
 *   node --import tsx scripts/bench/openapi-flood.ts [--daemon dist/zeblitd.js]
 *        [--before /path/to/old/dist/zeblitd.js] [--flood 300] [--concurrency 10] [--write]
 *
 * --write   replaces the "API: other users during an openapi.json flood" section of docs/benchmarks.md
 */
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { cleanup, DAEMON_JS, request, requireBuilt, sock, startDaemon, stopDaemon, tcp, tempHome, type DaemonProc } from '../../test/e2e/helpers.ts';
import { writeSection } from './report.ts';

const { values } = parseArgs({
  options: {
    daemon: { type: 'string', default: DAEMON_JS },
    before: { type: 'string' },
    flood: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '10' },
    write: { type: 'boolean', default: false },
  },
});
const floodTotal = Number(values.flood);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(floodTotal) || floodTotal < 1 || !Number.isInteger(concurrency) || concurrency < 1) throw new Error('--flood and --concurrency must be whole numbers >= 1');

const SECTION = '## API: other users during an openapi.json flood';
const PACE_MS = 20;
const BASELINE_REQUESTS = 150;

interface Row {
  build: string;
  aloneP50: number;
  aloneP99: number;
  floodP50: number;
  floodP99: number;
  floodMax: number;
  statuses: Record<string, number>;
  floodSeconds: number;
  /** Server user+system CPU during the flood, in ms. */
  cpuMs: number | null;
  revalidate: number | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN) : Number.NaN;
};

/** CPU time a process has used, in ms (user + system); null where /proc is missing. Assumes USER_HZ = 100. */
function cpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** A GET on its own connection whose body is read and dropped: the flood must not spend this process's CPU parsing 0.5 MB answers. */
function fetchDiscarding(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.setTimeout(120_000, () => req.destroy(new Error(`${path} timed out`)));
    req.on('error', reject);
  });
}

/** One user's paced requests until `until()` says stop; their latencies in ms (anything but 200 is an error). */
async function otherUser(d: DaemonProc, key: string, until: () => boolean): Promise<number[]> {
  const out: number[] = [];
  while (!until()) {
    const t0 = performance.now();
    const r = await request(tcp(d), { path: '/api/v1/projects', bearer: key });
    out.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`the other user got ${r.status}: ${r.text.slice(0, 200)}`);
    await sleep(PACE_MS);
  }
  return out;
}

async function measure(script: string, label: string): Promise<Row> {
  requireBuilt(script);
  const d = await startDaemon(tempHome('flood'), { script, env: { ZEBLIT_LOG_LEVEL: 'warn' } });
  try {
    const made = await request<{ api_key: { key: string } }>(sock(d), { method: 'POST', path: '/api/v1/users', json: { name: 'other' } });
    if (made.status !== 201) throw new Error(`could not create the other user: ${made.text}`);
    const key = made.body?.data?.api_key.key ?? '';
    let n = 0;
    await otherUser(d, key, () => n++ >= 20); // warm-up
    n = 0;
    const alone = await otherUser(d, key, () => n++ >= BASELINE_REQUESTS);

    const statuses: Record<string, number> = {};
    let left = floodTotal;
    let done = false;
    const cpu0 = cpuMs(d.pid);
    const t0 = performance.now();
    const worker = async () => {
      while (left > 0) {
        left--;
        const status = await fetchDiscarding(d.port, '/api/v1/openapi.json');
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    };
    const flood = Promise.all(Array.from({ length: concurrency }, worker)).then(() => (done = true));
    const during = await otherUser(d, key, () => done);
    await flood;
    const floodSeconds = (performance.now() - t0) / 1000;
    const cpu1 = cpuMs(d.pid);

    // A client that kept the ETag asks again (after the bucket refilled).
    let revalidate: number | null = null;
    await sleep(3_000);
    const first = await request(tcp(d), { path: '/api/v1/openapi.json' });
    const tag = first.headers.etag;
    if (typeof tag === 'string') {
      const t = performance.now();
      const again = await request(tcp(d), { path: '/api/v1/openapi.json', headers: { 'if-none-match': tag } });
      revalidate = again.status === 304 ? performance.now() - t : null;
    }
    return {
      build: label,
      aloneP50: pct(alone, 0.5),
      aloneP99: pct(alone, 0.99),
      floodP50: pct(during, 0.5),
      floodP99: pct(during, 0.99),
      floodMax: pct(during, 1),
      statuses,
      floodSeconds,
      cpuMs: cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null,
      revalidate,
    };
  } finally {
    await stopDaemon(d);
  }
}

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function table(rows: Row[]): string {
  const head = ['build', 'other user alone p50 / p99 ms', 'during the flood p50 / p99 / max ms', 'flood answers', 'flood took s', 'server CPU for the flood ms', 'If-None-Match'];
  const body = rows.map((r) => [
    r.build,
    `${f(r.aloneP50)} / ${f(r.aloneP99)}`,
    `${f(r.floodP50)} / ${f(r.floodP99)} / ${f(r.floodMax)}`,
    Object.entries(r.statuses)
      .map(([s, c]) => `${c} × ${s}`)
      .join(', '),
    f(r.floodSeconds),
    r.cpuMs === null ? 'n/a' : String(r.cpuMs),
    r.revalidate === null ? 'no ETag' : `304 in ${f(r.revalidate)} ms`,
  ]);
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((b) => `| ${b.join(' | ')} |`)].join('\n');
}

function machine(): string {
  const cpu = cpus();
  return `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${platform()} ${release()}, Node ${process.version}`;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  const load = loadavg()[0]?.toFixed(1) ?? 'n/a';
  try {
    if (values.before) rows.push(await measure(values.before, 'before (built per request)'));
    rows.push(await measure(values.daemon, 'this build (built once, ETag)'));
  } finally {
    await cleanup();
  }
  console.log(`${machine()}\nflood: ${floodTotal} anonymous GET /api/v1/openapi.json, ${concurrency} at a time, default rate limits; other user: GET /api/v1/projects every ${PACE_MS} ms\n`);
  console.log(table(rows));
  if (!values.write) return;
  const section = [
    SECTION,
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}, a machine shared with other work (load average ${load} at the start).`,
    `\`node --import tsx scripts/bench/openapi-flood.ts${values.before ? ' --before <older build>' : ''}\`: the built daemon with its default rate limits (100/s, bursts of 200 per key or anonymous address).`,
    `${floodTotal} anonymous \`GET /api/v1/openapi.json\` over TCP, ${concurrency} at a time, each on its own connection; meanwhile another user calls`,
    `\`GET /api/v1/projects\` with their key every ${PACE_MS} ms. "alone" is the same user before the flood, in the same run: the baseline.`,
    '"before" is the build from before the document was cached (it was rebuilt, ~0.5 MB, on every request). The first request to',
    'this build pays its one build (100–370 ms when timed alone on this machine).',
    '',
    table(rows),
    '',
  ].join('\n');
  console.log(`\nwrote ${writeSection(SECTION, section)}`);
}

await main();
