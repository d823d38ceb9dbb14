/**
 * The upload parsers against the hand-written ones they replaced, in the same
 * run (issue 16, part 6): busboy vs the old multipart reader, yauzl vs the old
 * zip reader. Runs alternate (old, new, old, new, …) so load on the machine
 * falls on both alike; the figure is the median of the runs, wall and CPU.
 *
 *   node --import tsx scripts/bench/parsers.ts [--runs 7] [--mib 64] [--write]
 *
 * Multipart: a form of one field and one file of --mib MiB of random bytes,
 * fed in 64 KiB chunks (what a socket delivers), every body byte consumed;
 * and a form of 900 parts of 1 KiB (part-header heavy).
 * Zip: an archive on disk of 2,000 deflated 4 KiB files plus one deflated
 * file of --mib MiB; every entry listed and every body read, as the
 * extractor does.
 * End to end: the same --mib MiB uploaded over loopback HTTP to the app
 * (a real Hono server, files written to a workspace on disk) as a multipart
 * form (busboy) and as raw bytes (PUT, no parser at all): the parser's share
 * of an upload.
 */
import { randomBytes } from 'node:crypto';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { makeTestApp, ownerWithKey } from '../../src/api/testing.ts';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { readForm } from '../../src/api/multipart.ts';
import { zipOf } from '../../src/files/archive/testing.ts';
import { readZip } from '../../src/files/archive/zip.ts';
import { multipartParts } from './baseline/multipart-handwritten.ts';
import { readZip as readZipOld } from './baseline/zip-handwritten.ts';
import { writeSection } from './report.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, mib: { type: 'string', default: '64' }, write: { type: 'boolean', default: false } } });
const RUNS = Number(values.runs);
const MIB = Number(values.mib);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function* chunks(body: Buffer, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size);
}

function form(boundary: string, parts: { name: string; filename?: string; data: Buffer }[]): Buffer {
  return Buffer.concat([
    ...parts.flatMap((p) => [
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"\r\nContent-Type: application/octet-stream` : ''}\r\n\r\n`),
      p.data,
      Buffer.from('\r\n'),
    ]),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
}

async function oldMultipart(body: Buffer, boundary: string): Promise<number> {
  let n = 0;
  for await (const p of multipartParts(chunks(body), boundary)) for await (const c of p.body) n += c.byteLength;
  return n;
}

async function newMultipart(body: Buffer, boundary: string): Promise<number> {
  let n = 0;
  for await (const p of readForm(chunks(body), `multipart/form-data; boundary=${boundary}`, { fieldBytes: 64 * 1024, fields: 100, parts: 1000 })) {
    if (p.kind === 'field') n += Buffer.byteLength(p.value);
    else for await (const c of p.body) n += c.byteLength;
  }
  return n;
}

async function oldZip(file: string): Promise<number> {
  let n = 0;
  for (const e of readZipOld(file, statSync(file).size)) if (e.type === 'file') for await (const c of e.open()) n += (c as Buffer).length;
  return n;
}

async function newZip(file: string): Promise<number> {
  let n = 0;
  for await (const e of readZip(file)) if (e.type === 'file') for await (const c of e.open()) n += (c as Buffer).length;
  return n;
}

/** Sends `body` to the app over loopback in 64 KiB writes; resolves when the 2xx answer is read. */
function send(port: number, key: string, method: string, path: string, contentType: string, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, authorization: `Bearer ${key}`, 'content-type': contentType, 'content-length': body.length } }, (res) => {
      const got: Buffer[] = [];
      res.on('data', (c: Buffer) => got.push(c));
      res.on('end', () => ((res.statusCode ?? 0) < 300 ? resolve() : reject(new Error(`${res.statusCode}: ${Buffer.concat(got).toString()}`))));
    });
    req.on('error', reject);
    (async () => {
      for await (const c of chunks(body)) if (!req.write(c)) await new Promise((r) => req.once('drain', r));
      req.end();
    })().catch(reject);
  });
}

interface Case {
  name: string;
  bytes: number;
  old: () => Promise<number>;
  lib: () => Promise<number>;
}

async function measure(c: Case) {
  const wall = { old: [] as number[], lib: [] as number[] };
  const cpu = { old: [] as number[], lib: [] as number[] };
  // One warm-up each, then alternate.
  const [a, b] = [await c.old(), await c.lib()];
  if (a !== b) throw new Error(`${c.name}: the readers disagree (${a} vs ${b} bytes)`);
  for (let i = 0; i < RUNS; i++) {
    for (const which of ['old', 'lib'] as const) {
      const u0 = process.cpuUsage();
      const t0 = performance.now();
      await c[which]();
      wall[which].push(performance.now() - t0);
      const u = process.cpuUsage(u0);
      cpu[which].push((u.user + u.system) / 1000);
    }
  }
  return { wall: { old: median(wall.old), lib: median(wall.lib) }, cpu: { old: median(cpu.old), lib: median(cpu.lib) } };
}

const dir = mkdtempSync(join(tmpdir(), 'zeblit-bench-parsers-'));
try {
  const boundary = '----zeblitBench7MA4YWxkTrZu0gW';
  const big = form(boundary, [{ name: 'path', data: Buffer.from('dir/') }, { name: 'file', filename: 'big.bin', data: randomBytes(MIB << 20) }]);
  const small = form(boundary, Array.from({ length: 900 }, (_, i) => ({ name: 'file', filename: `f${i}.bin`, data: randomBytes(1024) })));
  const zipSmall = join(dir, 'small.zip');
  writeFileSync(zipSmall, zipOf(Array.from({ length: 2000 }, (_, i) => ({ name: `src/m${i}.txt`, body: Buffer.from(`line ${i} `.repeat(410).slice(0, 4096)), deflate: true }))));
  const zipBig = join(dir, 'big.zip');
  // Half random (incompressible), half text: inflate does real work on both kinds.
  writeFileSync(zipBig, zipOf([{ name: 'big.bin', body: Buffer.concat([randomBytes((MIB << 20) / 2), Buffer.from('0123456789abcdef'.repeat((MIB << 20) / 32))]), deflate: true }]));

  const cases: Case[] = [
    { name: `multipart: one ${MIB} MiB file`, bytes: big.length, old: () => oldMultipart(big, boundary), lib: () => newMultipart(big, boundary) },
    { name: 'multipart: 900 parts of 1 KiB', bytes: small.length, old: () => oldMultipart(small, boundary), lib: () => newMultipart(small, boundary) },
    { name: `zip: one ${MIB} MiB deflated member`, bytes: MIB << 20, old: () => oldZip(zipBig), lib: () => newZip(zipBig) },
    { name: 'zip: 2,000 deflated members of 4 KiB', bytes: 2000 * 4096, old: () => oldZip(zipSmall), lib: () => newZip(zipSmall) },
  ];
  const t = makeTestApp({ maxUploadBytes: (MIB + 1) << 20 });
  const key = ownerWithKey(t).key;
  const project = t.deps.projects.create(t.deps.auth.users.owner().id, { name: 'bench' });
  const server = createAdaptorServer({ fetch: (req: Request, env: Record<string, unknown>) => ((env.transport = 'tcp'), t.app.fetch(req, env)) }) as Server;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const payload = big.subarray(big.indexOf('\r\n\r\n', big.indexOf('big.bin')) + 4, big.length - `\r\n--${boundary}--\r\n`.length);
  const base = `/api/v1/projects/${project.id}/files`;
  const endToEnd: Case = {
    name: `upload of ${MIB} MiB over loopback HTTP: raw PUT (no parser) vs multipart (busboy)`,
    bytes: payload.length,
    old: async () => (await send(port, key, 'PUT', `${base}/raw.bin`, 'application/octet-stream', payload), payload.length),
    lib: async () => (await send(port, key, 'POST', `${base}/upload`, `multipart/form-data; boundary=${boundary}`, big), payload.length),
  };
  // The reader's share of a whole extraction: the 2,000-member zip uploaded with extract=1 (each member staged, hashed, versioned).
  const zipBytes = readFileSync(zipSmall);
  const extractMs: number[] = [];
  const readerMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await send(port, key, 'POST', `${base}/upload?extract=1&path=x${i}`, 'application/octet-stream', zipBytes);
    extractMs.push(performance.now() - t0);
    const t1 = performance.now();
    await newZip(zipSmall);
    readerMs.push(performance.now() - t1);
  }
  const rows: string[] = [];
  const fmt = (x: number) => `${x.toFixed(1)} ms`;
  let uploadRatio = NaN;
  for (const c of [...cases, endToEnd]) {
    const r = await measure(c);
    if (c === endToEnd) uploadRatio = r.wall.lib / r.wall.old;
    const mibs = (ms: number) => `${((c.bytes / (1 << 20)) / (ms / 1000)).toFixed(0)} MiB/s`;
    const ratio = r.wall.lib / r.wall.old;
    const row = `| ${c.name} | ${fmt(r.wall.old)} (${mibs(r.wall.old)}) | ${fmt(r.wall.lib)} (${mibs(r.wall.lib)}) | ${ratio.toFixed(2)} | ${fmt(r.cpu.old)} | ${fmt(r.cpu.lib)} |`;
    console.log(row);
    rows.push(row);
  }
  const share = `The zip reader's share of an extraction: the 2,000-member archive uploaded with extract=1 through the app took ${median(extractMs).toFixed(0)} ms (median of ${RUNS}: every member staged, hashed and recorded as a version), of which reading it with yauzl alone takes ${median(readerMs).toFixed(0)} ms.`;
  console.log(share);
  const verdict = `In a whole request the difference shrinks to what matters: a multipart upload took ${((uploadRatio - 1) * 100).toFixed(0)}% longer than the same bytes sent raw (no parser at all), and reading the archive was ${((median(readerMs) / median(extractMs)) * 100).toFixed(0)}% of the extraction's time. ${
    uploadRatio < 1.25 && median(readerMs) / median(extractMs) < 0.25
      ? 'No real loss (issue 16, part 6: under 25% on either): both parsers stay the libraries\'.'
      : 'That is a real loss (25% or more on one of them): look at the parser before keeping it.'
  }`;
  console.log(verdict);
  const section = [
    '## Parsers: hand-written vs busboy and yauzl',
    '',
    `Measured by \`node --import tsx scripts/bench/parsers.ts --runs ${RUNS} --mib ${MIB} --write\`: the readers busboy and yauzl replaced (kept as \`scripts/bench/baseline/\`) and the library-based ones, in the same process, runs alternating, median of ${RUNS}; multipart bodies are fed from memory in 64 KiB chunks, zip archives read from disk (page cache warm); every body byte is consumed.`,
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model.split(' ')[0] ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${platform()} ${release()}, Node ${process.version}; load average ${loadavg()[0]?.toFixed(1)} at the end; ${new Date().toISOString().slice(0, 10)}.`,
    '',
    'The last row is not old against new but the share of the parser in a whole upload: the same bytes sent as raw bytes (no parser) and as a form, through the app on a loopback HTTP server, written to a workspace; "CPU" there is the whole process (client and server).',
    '',
    '| input | hand-written | library | library / hand-written (wall) | CPU hand-written | CPU library |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    share,
    '',
    verdict,
  ];
  if (values.write) console.log(`wrote ${writeSection('## Parsers: hand-written vs busboy and yauzl', section.join('\n'))}`);
  server.closeAllConnections();
  server.close();
  t.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
