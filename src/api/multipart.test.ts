import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { ZeblitError } from '../contracts/index.ts';
import { boundaryOf, multipartParts, textOf } from './multipart.ts';

async function* chunked(body: Buffer, sizes: () => number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < body.length; ) {
    const n = Math.max(1, sizes());
    yield body.subarray(i, i + n);
    i += n;
  }
}

async function collect(body: Buffer, boundary: string, sizes: () => number) {
  const parts: { name: string | null; filename: string | null; data: Buffer }[] = [];
  for await (const p of multipartParts(chunked(body, sizes), boundary)) {
    const chunks: Buffer[] = [];
    for await (const c of p.body) chunks.push(Buffer.from(c));
    parts.push({ name: p.name, filename: p.filename, data: Buffer.concat(chunks) });
  }
  return parts;
}

describe('multipart reader', () => {
  const boundary = '----zeblit7MA4YWxkTrZu0gW';
  // The file holds things that look like the delimiter, CRLFs and dashes.
  const file = Buffer.concat([randomBytes(3000), Buffer.from(`\r\n--${boundary.slice(0, 10)}\r\n--`), randomBytes(1000), Buffer.from('\r\n-')]);
  const body = Buffer.concat([
    Buffer.from(`preamble\r\n--${boundary}\r\nContent-Disposition: form-data; name="path"\r\n\r\ndir/x.bin\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a \\"q\\".bin"; filename*=UTF-8''%C3%A9t%C3%A9.bin\r\nContent-Type: application/octet-stream\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\nepilogue`),
  ]);

  test('the same parts whatever the chunking (1 byte, random, whole)', async () => {
    for (const sizes of [() => 1, () => Math.floor(Math.random() * 200), () => body.length]) {
      const parts = await collect(body, boundary, sizes);
      assert.equal(parts.length, 2);
      assert.deepEqual([parts[0]?.name, parts[0]?.data.toString()], ['path', 'dir/x.bin']);
      assert.equal(parts[1]?.filename, 'été.bin', 'filename* wins');
      assert.ok(parts[1]?.data.equals(file));
    }
  });

  test('a body cut before the closing boundary is an error (an aborted upload)', async () => {
    await assert.rejects(collect(body.subarray(0, body.length - 30), boundary, () => 500), (e: unknown) => e instanceof ZeblitError && e.code === 'BAD_REQUEST');
  });

  test('boundary from Content-Type; non-multipart is null; fields are capped', async () => {
    assert.equal(boundaryOf(`multipart/form-data; boundary="${boundary}"`), boundary);
    assert.equal(boundaryOf('multipart/form-data; charset=utf-8; boundary=abc'), 'abc');
    assert.equal(boundaryOf('application/octet-stream'), null);
    assert.throws(() => boundaryOf('multipart/form-data'));
    await assert.rejects(textOf((async function* () { yield Buffer.alloc(70 * 1024); })()));
  });
});
