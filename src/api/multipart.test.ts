import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { ZeblitError } from '../contracts/index.ts';
import { isMultipart, readForm } from './multipart.ts';

async function* chunked(body: Buffer, sizes: () => number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < body.length; ) {
    const n = Math.max(1, sizes());
    yield body.subarray(i, i + n);
    i += n;
  }
}

async function collect(body: Buffer, contentType: string, sizes: () => number) {
  const parts: { name: string; filename: string | null; data: Buffer }[] = [];
  for await (const p of readForm(chunked(body, sizes), contentType)) {
    if (p.kind === 'field') {
      parts.push({ name: p.name, filename: null, data: Buffer.from(p.value) });
      continue;
    }
    const chunks: Buffer[] = [];
    for await (const c of p.body) chunks.push(Buffer.from(c));
    parts.push({ name: p.name, filename: p.filename, data: Buffer.concat(chunks) });
  }
  return parts;
}

const isBadRequest = (e: unknown) => e instanceof ZeblitError && e.code === 'BAD_REQUEST';

describe('multipart reader (busboy)', () => {
  const boundary = '----zeblit7MA4YWxkTrZu0gW';
  const type = `multipart/form-data; boundary=${boundary}`;
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
      const parts = await collect(body, type, sizes);
      assert.equal(parts.length, 2);
      assert.deepEqual([parts[0]?.name, parts[0]?.data.toString()], ['path', 'dir/x.bin']);
      assert.equal(parts[1]?.filename, 'été.bin', 'filename* wins');
      assert.ok(parts[1]?.data.equals(file));
    }
  });

  test('a UTF-8 filename="…" is read as UTF-8; a file name never carries folders', async () => {
    const b = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="../../ünï.txt"\r\n\r\nx\r\n--${boundary}--\r\n`);
    const [part] = await collect(b, type, () => b.length);
    assert.equal(part?.filename, 'ünï.txt');
  });

  test('a body cut before the closing boundary is an error (an aborted upload), in the file body and the form', async () => {
    const cut = body.subarray(0, body.length - 30);
    await assert.rejects(collect(cut, type, () => 500), isBadRequest);
    // Cut inside the part headers too.
    await assert.rejects(collect(body.subarray(0, 120), type, () => 7), isBadRequest);
  });

  test('multipart by Content-Type; no boundary, bad headers and large fields are 400s', async () => {
    assert.equal(isMultipart(`multipart/form-data; boundary="${boundary}"`), true);
    assert.equal(isMultipart('multipart/form-data; charset=utf-8; boundary=abc'), true);
    assert.equal(isMultipart('application/octet-stream'), false);
    assert.equal(isMultipart(undefined), false);
    assert.throws(() => readForm(chunked(body, () => 100), 'multipart/form-data'), isBadRequest);
    const quoted = await collect(body, `multipart/form-data; boundary="${boundary}"`, () => 64);
    assert.equal(quoted.length, 2);
    const big = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="path"\r\n\r\n${'a'.repeat(70 * 1024)}\r\n--${boundary}--\r\n`);
    await assert.rejects(collect(big, type, () => 4096), (e: unknown) => isBadRequest(e) && /larger than/.test((e as Error).message));
    const badHeader = Buffer.from(`--${boundary}\r\nContent-Disposition form-data\r\n\r\nx\r\n--${boundary}--\r\n`);
    await assert.rejects(collect(badHeader, type, () => 64), isBadRequest);
    const many = Buffer.from(`${Array.from({ length: 150 }, (_, i) => `--${boundary}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nv\r\n`).join('')}--${boundary}--\r\n`);
    await assert.rejects(collect(many, type, () => 4096), (e: unknown) => isBadRequest(e) && /form fields/.test((e as Error).message));
  });

  test('abort() fails the iterator and the body being read', async () => {
    const form = readForm(chunked(body, () => 256), type);
    const it = form[Symbol.asyncIterator]();
    await it.next(); // the path field
    const filePart = (await it.next()).value;
    assert.equal(filePart?.kind, 'file');
    form.abort(new ZeblitError('PAYLOAD_TOO_LARGE', 'stop'));
    const tooLarge = (e: unknown) => e instanceof ZeblitError && e.code === 'PAYLOAD_TOO_LARGE';
    await assert.rejects(it.next(), tooLarge);
    assert.ok(filePart?.kind === 'file');
    await assert.rejects((async () => {
      for await (const _ of filePart.body) void _;
    })(), tooLarge);
  });
});
