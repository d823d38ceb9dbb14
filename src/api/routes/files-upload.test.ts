/**
 * Uploads and downloads over a real HTTP server on loopback: streaming,
 * aborted uploads (the client goes away mid-body), the size limit, and a
 * 100 MiB round trip with bounded memory.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { createAdaptorServer } from '@hono/node-server';
import type { EnvelopeOf, FileMeta, Project, UploadResult } from '../../contracts/index.ts';
import { makeTestApp, ownerWithKey } from '../testing.ts';

const MiB = 1024 * 1024;

describe('uploads and downloads over HTTP', () => {
  const t = makeTestApp({ maxUploadBytes: 160 * MiB });
  let server: Server;
  let port: number;
  let key: string;
  let p: Project;
  let ws: string;

  before(async () => {
    key = ownerWithKey(t).key;
    p = t.deps.projects.create(t.deps.auth.users.owner().id, { name: 'up' });
    ws = t.deps.projects.workspace(p);
    server = createAdaptorServer({ fetch: (req: Request, env: Record<string, unknown>) => ((env.transport = 'tcp'), t.app.fetch(req, env)) }) as Server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    t.close();
  });

  const open = (method: string, path: string, headers: Record<string, string | number>) =>
    request({ host: '127.0.0.1', port, method, path: `/api/v1/projects/${p.id}/files${path}`, headers: { host: `127.0.0.1:${port}`, authorization: `Bearer ${key}`, ...headers } });
  const answer = (res: IncomingMessage) =>
    new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
  const leftovers = () => {
    const found: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        found.push(join(d, e.name).slice(ws.length + 1));
        if (e.isDirectory()) walk(join(d, e.name));
      }
    };
    walk(ws);
    return found;
  };
  const scratchFiles = () => {
    const dir = join(ws, '..', 'scratch', 'uploads');
    return existsSync(dir) ? readdirSync(dir) : [];
  };

  test('multipart upload streams a file into place', async () => {
    const data = randomBytes(3 * MiB + 17);
    const boundary = 'zeblit-test-boundary';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="path"\r\n\r\nimgs/\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const req2 = open('POST', '/upload', { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + data.length + tail.length });
    req2.write(head);
    for (let i = 0; i < data.length; i += 64 * 1024) req2.write(data.subarray(i, i + 64 * 1024));
    req2.end(tail);
    const ok = await answer(await new Promise<IncomingMessage>((r) => req2.on('response', r)));
    const env = JSON.parse(ok.body.toString()) as EnvelopeOf<UploadResult>;
    assert.equal(ok.status, 201, ok.body.toString());
    assert.equal(env.data?.files[0]?.path, 'imgs/photo.bin');
    assert.equal(env.data?.bytes, data.length);
    assert.ok(readFileSync(join(ws, 'imgs/photo.bin')).equals(data));
  });

  const form = (boundary: string, parts: ({ field: string; value: string } | { file: string; filename: string; data: Buffer })[], close = true) =>
    Buffer.concat([
      ...parts.flatMap((p) =>
        'field' in p
          ? [Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.field}"\r\n\r\n${p.value}\r\n`)]
          : [Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.file}"; filename="${p.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`), p.data, Buffer.from('\r\n')],
      ),
      Buffer.from(close ? `--${boundary}--\r\n` : ''),
    ]);
  const post = async (body: Buffer, boundary: string) => {
    const req = open('POST', '/upload', { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length });
    req.end(body);
    const res = await answer(await new Promise<IncomingMessage>((r) => req.on('response', r)));
    return { status: res.status, env: JSON.parse(res.body.toString()) as EnvelopeOf<UploadResult> };
  };

  test('a path field after the file part (curl -F file=@x -F path=dir/x) is refused with a 400 and nothing is written', async () => {
    const before = leftovers();
    const events = t.deps.bus.lastSeq(p.id);
    const boundary = 'late-path';
    for (const late of [
      [{ file: 'file', filename: 'x.txt', data: Buffer.from('hello') }, { field: 'path', value: 'dir/x.txt' }],
      [{ file: 'file', filename: 'x.txt', data: Buffer.from('hello') }, { field: 'overwrite', value: '0' }],
      // A second file cannot make a late field apply to the first one.
      [{ field: 'path', value: 'a/' }, { file: 'file', filename: 'one.txt', data: Buffer.from('1') }, { field: 'path', value: 'b/' }, { file: 'file', filename: 'two.txt', data: Buffer.from('2') }],
    ]) {
      const { status, env } = await post(form(boundary, late), boundary);
      assert.equal(status, 400, JSON.stringify(env));
      assert.equal(env.error?.code, 'VALIDATION_FAILED');
      assert.match(env.error?.message ?? '', /comes after the file part/);
      assert.match(env.error?.suggestion ?? '', /curl -F (path|overwrite)=… -F file=@…/);
    }
    assert.deepEqual(leftovers(), before, 'no x.txt, no dir/, no staged file');
    assert.deepEqual(scratchFiles(), []);
    assert.equal(t.deps.bus.lastSeq(p.id), events, 'no file.changed');
  });

  test('fields first, or ?path= in the URL, land where they say; a form cut after a complete file part stores nothing', async () => {
    const boundary = 'early-path';
    const first = await post(form(boundary, [{ field: 'path', value: 'dir/x.txt' }, { file: 'file', filename: 'x.txt', data: Buffer.from('hello') }]), boundary);
    assert.equal(first.status, 201, JSON.stringify(first.env));
    assert.deepEqual(first.env.data?.files.map((f) => f.path), ['dir/x.txt']);
    const req = open('POST', '/upload?path=viaquery.txt', { 'content-type': `multipart/form-data; boundary=${boundary}` });
    req.end(form(boundary, [{ file: 'file', filename: 'ignored.txt', data: Buffer.from('q') }]));
    const viaQuery = await answer(await new Promise<IncomingMessage>((r) => req.on('response', r)));
    assert.equal(viaQuery.status, 201, viaQuery.body.toString());
    assert.equal(readFileSync(join(ws, 'viaquery.txt'), 'utf8'), 'q');
    const before = leftovers();
    const cut = await post(form(boundary, [{ file: 'file', filename: 'whole.txt', data: Buffer.from('complete part') }, { file: 'file', filename: 'second.txt', data: Buffer.from('cut') }], false).subarray(0, -5), boundary);
    assert.equal(cut.status, 400, JSON.stringify(cut.env));
    assert.equal(cut.env.error?.code, 'BAD_REQUEST');
    assert.deepEqual(leftovers(), before, 'not even the first, complete file');
  });

  test('an upload aborted mid-body leaves nothing: no file, no temporary file, no folder, no version', async () => {
    const before = leftovers();
    const events = t.deps.bus.lastSeq(p.id);
    for (const kind of ['multipart', 'raw'] as const) {
      const boundary = 'b0undary';
      const req =
        kind === 'multipart'
          ? open('POST', '/upload', { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': 50 * MiB })
          : open('PUT', '/new-folder/deeper/raw.bin', { 'content-type': 'application/octet-stream', 'content-length': 50 * MiB });
      req.on('error', () => {});
      if (kind === 'multipart') req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="half.bin"\r\n\r\n`);
      const chunk = randomBytes(256 * 1024);
      let sawTemp = false;
      for (let i = 0; i < 40 && !sawTemp; i++) {
        req.write(chunk);
        await sleep(20);
        sawTemp = leftovers().some((f) => f.split('/').pop()?.startsWith('.zeblit-tmp-'));
      }
      assert.ok(sawTemp, `${kind}: the upload was being staged beside its target`);
      req.destroy(); // the client goes away
      for (let i = 0; i < 100 && leftovers().length !== before.length; i++) await sleep(20);
      assert.deepEqual(leftovers(), before, `${kind}: the workspace is as before`);
    }
    assert.deepEqual(scratchFiles(), []);
    assert.equal(t.deps.bus.lastSeq(p.id), events, 'no file.changed');
    assert.equal(t.deps.files.core.history.latest(p.id, 'half.bin'), undefined);
  });

  test('over the upload limit: 413 and nothing written (announced length, and a body that only turns out too large)', async () => {
    const small = makeTestApp({ maxUploadBytes: MiB });
    try {
      const q = small.deps.projects.create(small.deps.auth.users.owner().id, { name: 'tiny' });
      const res = await small.request(`/api/v1/projects/${q.id}/files/upload?path=big.bin`, { transport: 'unix', method: 'POST', body: new Uint8Array(2 * MiB), headers: { 'content-type': 'application/octet-stream' } });
      assert.equal(res.status, 413);
      // A body that never ends and announces no length: only the limit stops it.
      const stream = new ReadableStream<Uint8Array>({
        pull(c) {
          c.enqueue(new Uint8Array(256 * 1024));
        },
      });
      const res2 = await small.request(`/api/v1/projects/${q.id}/files/big.bin`, { transport: 'unix', method: 'PUT', body: stream, headers: { 'content-type': 'application/octet-stream' }, duplex: 'half' } as RequestInit);
      assert.equal(res2.status, 413);
      // The same as a multipart form with no length: busboy's reading stops at the limit, and the answer is still a 413.
      let first = true;
      const form = new ReadableStream<Uint8Array>({
        pull(c) {
          c.enqueue(first ? new TextEncoder().encode('--b0\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n') : new Uint8Array(256 * 1024));
          first = false;
        },
      });
      const res3 = await small.request(`/api/v1/projects/${q.id}/files/upload`, { transport: 'unix', method: 'POST', body: form, headers: { 'content-type': 'multipart/form-data; boundary=b0' }, duplex: 'half' } as RequestInit);
      assert.equal(res3.status, 413);
      assert.deepEqual(readdirSync(small.deps.projects.workspace(q)), []);
    } finally {
      small.close();
    }
  });

  test('100 MiB round trip, streamed both ways, exact bytes, bounded memory', async () => {
    const size = 100 * MiB + 12345;
    const sent = createHash('sha256');
    const req = open('PUT', '/large/blob.bin', { 'content-type': 'application/octet-stream', 'content-length': size });
    let peak = process.memoryUsage().rss;
    const base = peak;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
    const response = new Promise<IncomingMessage>((r) => req.on('response', r));
    for (let off = 0; off < size; ) {
      const n = Math.min(MiB, size - off);
      const chunk = randomBytes(n);
      sent.update(chunk);
      off += n;
      if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
    }
    req.end();
    const put = await answer(await response);
    assert.equal(put.status, 200, put.body.toString());
    const meta = (JSON.parse(put.body.toString()) as EnvelopeOf<FileMeta>).data;
    const digest = sent.digest('hex');
    assert.equal(meta?.sha256, digest);
    assert.equal(meta?.version, null, 'over 10 MiB: tracked, not versioned');
    assert.equal(statSync(join(ws, 'large/blob.bin')).size, size);

    const got = createHash('sha256');
    let bytes = 0;
    const dl = open('GET', '/download/large/blob.bin', {});
    dl.end();
    const res = await new Promise<IncomingMessage>((r) => dl.on('response', r));
    assert.match(String(res.headers['content-disposition']), /attachment; filename="blob.bin"/);
    for await (const c of res) {
      got.update(c as Buffer);
      bytes += (c as Buffer).length;
    }
    clearInterval(sampler);
    assert.equal(bytes, size);
    assert.equal(got.digest('hex'), digest);
    // Client and server share this process: the transfer must not have held the file in memory.
    assert.ok(peak - base < 120 * MiB, `rss grew by ${Math.round((peak - base) / MiB)} MiB`);
  });
});
