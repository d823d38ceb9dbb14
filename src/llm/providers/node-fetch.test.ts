/** The SDKs' fetch over node:http keeps fetch's contract where they rely on it. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { nodeFetch } from './node-fetch.ts';

let server: Server;
let base: string;
const sockets = new Set<number>();
before(async () => {
  server = createServer((req, res) => {
    sockets.add(req.socket.remotePort ?? 0);
    if (req.url === '/json') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => res.writeHead(201, { 'content-type': 'application/json', 'x-echo-len': req.headers['content-length'] ?? '', 'set-cookie': ['a=1', 'b=2'] }).end(JSON.stringify({ got: JSON.parse(body) as unknown, method: req.method })));
    } else if (req.url === '/slow-stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      // never ends by itself
    } else if (req.url === '/hang') {
      // no answer
    } else res.writeHead(204).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

describe('nodeFetch', () => {
  test('a JSON exchange: status, headers (repeated ones kept), body; connections are reused', async () => {
    sockets.clear();
    for (let i = 0; i < 3; i++) {
      const res = await nodeFetch(`${base}/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ i }) });
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('x-echo-len'), String(JSON.stringify({ i }).length));
      assert.equal(res.headers.get('set-cookie'), 'a=1, b=2');
      assert.deepEqual(await res.json(), { got: { i }, method: 'POST' });
    }
    assert.equal(sockets.size, 1, 'keep-alive: one connection for three requests');
    const empty = await nodeFetch(`${base}/nothing`);
    assert.equal(empty.status, 204);
    assert.equal(empty.body, null);
  });

  test('an abort before the answer rejects with AbortError; during the body, the stream errors with it', async () => {
    const early = new AbortController();
    const pending = nodeFetch(`${base}/hang`, { signal: early.signal });
    setTimeout(() => early.abort(), 20);
    await assert.rejects(pending, (e: Error) => e.name === 'AbortError');
    await assert.rejects(nodeFetch(`${base}/hang`, { signal: AbortSignal.abort() }), (e: Error) => e.name === 'AbortError');

    const late = new AbortController();
    const res = await nodeFetch(`${base}/slow-stream`, { signal: late.signal });
    const reader = res.body!.getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), 'data: one\n\n');
    late.abort();
    await assert.rejects(reader.read(), (e: Error) => e.name === 'AbortError');
  });

  test('nobody listening: TypeError("fetch failed") with the cause, as the SDKs expect', async () => {
    await assert.rejects(nodeFetch('http://127.0.0.1:9/x'), (e: Error) => e instanceof TypeError && e.message === 'fetch failed' && (e.cause as NodeJS.ErrnoException).code === 'ECONNREFUSED');
  });
});
