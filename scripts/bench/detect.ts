/**
 * Throughput and latency of the error detector.
 *
 *   node --import tsx scripts/bench/detect.ts [--lines 1000000]
 *
 * 1. Lines that match nothing (ordinary logs): the cost every console line pays.
 * 2. A mixed input: ordinary lines with the real fixtures spliced in (about 2%
 *    of lines belong to an error), spread over 8 interleaved runs and both streams.
 * 3. The time push() takes for a line that completes a detection (p50/p99).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ErrorDetector } from '../../src/console/detect/index.ts';
import type { DetectLine } from '../../src/console/detect/index.ts';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '1000000' } } });
const N = Number(values.lines);
const FIXTURES = new URL('../../src/console/detect/fixtures/', import.meta.url);

/** Ordinary output of dev servers, builds and test runs; numbers vary so no two lines are equal. */
function ordinary(i: number): string {
  switch (i % 10) {
    case 0:
      return `2026-11-27 12:${String(i % 60).padStart(2, '0')}:07,229 INFO app.worker: processed job ${i} in ${i % 97} ms`;
    case 1:
      return `127.0.0.1 - - [27/Nov/2026 12:04:01] "GET /api/items/${i} HTTP/1.1" 200 -`;
    case 2:
      return `GET /static/chunk-${i}.js 200 ${(i % 13) / 7} ms - ${i % 4000}`;
    case 3:
      return `  ✓ renders item ${i} (${i % 40} ms)`;
    case 4:
      return `dist/assets/index-${i.toString(16)}.js  143.36 kB │ gzip: 46.11 kB`;
    case 5:
      return `{"level":30,"time":${1764244800000 + i},"pid":7,"msg":"request completed","responseTime":${i % 50}}`;
    case 6:
      return `Downloading package ${i} of 2000: 100%`;
    case 7:
      return '';
    case 8:
      return `    at step ${i}: value=${i * 3} ok`;
    default:
      return `compiled ${i % 300} modules, 0 errors, 0 warnings`;
  }
}

function errorBlocks(): string[][] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.txt') && !f.startsWith('clean'))
    .map((f) => readFileSync(new URL(f, FIXTURES), 'utf8').replace(/\n$/, '').split('\n'));
}

function run(name: string, input: readonly DetectLine[]): void {
  const d = new ErrorDetector();
  // Warm-up on a slice so the JIT has compiled the regexes and the hot path.
  for (const l of input.slice(0, 20_000)) d.push(l);
  d.flush();
  const t0 = performance.now();
  let found = 0;
  for (const l of input) found += d.push(l).length;
  found += d.flush().length;
  const ms = performance.now() - t0;
  console.log(`${name}: ${input.length.toLocaleString('en')} lines in ${ms.toFixed(0)} ms → ${Math.round(input.length / (ms / 1000)).toLocaleString('en')} lines/s, ${found} detections`);
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

// 1. Nothing matches.
const plain: DetectLine[] = Array.from({ length: N }, (_, i) => ({ text: ordinary(i), stream: i % 3 === 0 ? 'stderr' : 'stdout', run_id: `run_${i % 8}`, time: i }));
run('no-match lines', plain);

// 2. Mixed: every ~50 ordinary lines per run, one fixture spliced in whole (on stderr).
const blocks = errorBlocks();
const mixed: DetectLine[] = [];
let b = 0;
let errorLines = 0;
for (let i = 0; mixed.length < N; i++) {
  const run_id = `run_${i % 8}`;
  mixed.push({ text: ordinary(i), stream: 'stdout', run_id, time: i });
  if (i % 400 === 0) {
    const block = blocks[b++ % blocks.length] ?? [];
    errorLines += block.length;
    for (const text of block) mixed.push({ text, stream: 'stderr', run_id, time: i });
  }
}
console.log(`mixed input: ${((100 * errorLines) / mixed.length).toFixed(1)}% of lines belong to an error fixture`);
run('mixed lines', mixed);

// 3. Latency of the push() that completes a detection.
const d = new ErrorDetector();
const costs: number[] = [];
for (let round = 0; round < 200; round++) {
  for (const block of blocks) {
    for (const [i, text] of block.entries()) {
      const t0 = performance.now();
      const out = d.push({ text, stream: 'stderr', run_id: `lat_${round}`, time: i });
      const dt = performance.now() - t0;
      if (out.length > 0) costs.push(dt);
    }
    d.flush();
  }
}
costs.sort((x, y) => x - y);
console.log(`push() that emits a detection: n=${costs.length} p50=${(percentile(costs, 0.5) * 1000).toFixed(1)} µs p99=${(percentile(costs, 0.99) * 1000).toFixed(1)} µs max=${((costs.at(-1) ?? 0) * 1000).toFixed(0)} µs`);
console.log(`memory: rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`);
