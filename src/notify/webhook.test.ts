/** The webhook sender against real HTTP servers on loopback. */
import assert from 'node:assert/strict';
import { lookup as dnsLookup } from 'node:dns';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { Notifier, WebhookSender, checkWebhookUrl, hubSink, isOwnAddress, webhookSink } from './index.ts';

interface Hit {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function server(handler: (req: IncomingMessage, res: ServerResponse, hits: Hit[]) => void): Promise<{ url: string; port: number; hits: Hit[]; close(): Promise<void> }> {
  const hits: Hit[] = [];
  const s: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, hits);
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, hits, close: () => new Promise((r) => s.close(() => r())) };
}

const noWait = { sleep: async () => {}, timeoutMs: 2_000 };

describe('WebhookSender', () => {
  const servers: { close(): Promise<void> }[] = [];
  after(() => Promise.all(servers.map((s) => s.close())));
  const make = async (h: Parameters<typeof server>[0]) => {
    const s = await server(h);
    servers.push(s);
    return s;
  };

  test('POSTs JSON once on a 2xx', async () => {
    const s = await make((_req, res) => res.writeHead(204).end());
    const r = await new WebhookSender({ ...noWait, userAgent: 'zeblitd/test' }).post(`${s.url}/hook`, { hello: 'world' }, { 'x-zeblit-event': 'task_result' });
    assert.deepEqual(r, { ok: true, status: 204, attempts: 1, error: null });
    assert.equal(s.hits.length, 1);
    assert.equal(s.hits[0]?.method, 'POST');
    assert.equal(s.hits[0]?.headers['content-type'], 'application/json');
    assert.equal(s.hits[0]?.headers['user-agent'], 'zeblitd/test');
    assert.equal(s.hits[0]?.headers['x-zeblit-event'], 'task_result');
    assert.deepEqual(JSON.parse(s.hits[0]?.body ?? ''), { hello: 'world' });
  });

  test('a server that fails twice: delivered on the third attempt, after growing pauses', async () => {
    const s = await make((_req, res, hits) => res.writeHead(hits.length <= 2 ? 503 : 200).end());
    const pauses: number[] = [];
    const r = await new WebhookSender({ timeoutMs: 2_000, sleep: async (ms) => void pauses.push(ms) }).post(s.url, { n: 1 });
    assert.deepEqual(r, { ok: true, status: 200, attempts: 3, error: null });
    assert.deepEqual(pauses, [1000, 2000]);
    assert.equal(s.hits.length, 3);
  });

  test('gives up after three retries; a 4xx is final at once', async () => {
    const down = await make((_req, res) => res.writeHead(500).end());
    const r = await new WebhookSender(noWait).post(down.url, {});
    assert.deepEqual(r, { ok: false, status: 500, attempts: 4, error: 'HTTP 500' });
    const gone = await make((_req, res) => res.writeHead(404).end());
    const g = await new WebhookSender(noWait).post(gone.url, {});
    assert.deepEqual([g.ok, g.attempts, g.status], [false, 1, 404]);
  });

  test('an answer that never comes times out, and is retried', async () => {
    const slow = await make(() => {
      /* never answers */
    });
    const r = await new WebhookSender({ sleep: async () => {}, timeoutMs: 200, retries: 1 }).post(slow.url, {});
    assert.equal(r.ok, false);
    assert.equal(r.attempts, 2);
    assert.match(r.error ?? '', /no answer within 200 ms/);
  });

  test('redirects: followed to http(s), refused to another scheme or to zeblitd itself', async () => {
    const target = await make((_req, res) => res.writeHead(200).end());
    const hop = await make((_req, res) => res.writeHead(307, { location: `${target.url}/final` }).end());
    const ok = await new WebhookSender(noWait).post(hop.url, { a: 1 });
    assert.deepEqual([ok.ok, ok.status], [true, 200]);
    assert.equal(target.hits.at(-1)?.url, '/final');
    assert.equal(target.hits.at(-1)?.body, '{"a":1}');

    const toFile = await make((_req, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end());
    const f = await new WebhookSender(noWait).post(toFile.url, {});
    assert.equal(f.ok, false);
    assert.equal(f.attempts, 1, 'a refusal is not retried');
    assert.match(f.error ?? '', /redirect refused: .*must be http or https, not file/);

    // The target server plays zeblitd: a redirect to it is refused, under any spelling.
    const own = [{ host: '127.0.0.1', port: target.port }];
    for (const spelling of [`http://localhost:${target.port}/api`, `http://127.0.0.1:${target.port}/api`, `http://[::ffff:127.0.0.1]:${target.port}/`, `http://0x7f.0.0.1:${target.port}/`]) {
      const bounce = await make((_req, res) => res.writeHead(301, { location: spelling }).end());
      const before = target.hits.length;
      const r = await new WebhookSender({ ...noWait, ownListeners: () => own }).post(bounce.url, {});
      assert.equal(r.ok, false, spelling);
      assert.match(r.error ?? '', /zeblitd itself/, spelling);
      assert.equal(target.hits.length, before, `${spelling} never reached`);
    }
  });

  test('a name that resolves to the daemon is refused at connection time', async () => {
    const daemon = await make((_req, res) => res.writeHead(200).end());
    const lookup = ((hostname: string, options: object, cb: (...a: unknown[]) => void) => {
      if (hostname === 'sneaky.test') return cb(null, [{ address: '127.0.0.1', family: 4 }]);
      return dnsLookup(hostname, options as never, cb as never);
    }) as unknown as typeof dnsLookup;
    const sender = new WebhookSender({ ...noWait, ownListeners: () => [{ host: '127.0.0.1', port: daemon.port }], lookup });
    const r = await sender.post(`http://sneaky.test:${daemon.port}/api/v1/projects`, {});
    assert.equal(r.ok, false);
    assert.match(r.error ?? '', /resolves to 127\.0\.0\.1: that is zeblitd itself/);
    assert.equal(daemon.hits.length, 0);
    // The same name on another port is someone else's server.
    const other = await make((_req, res) => res.writeHead(200).end());
    const ok = await sender.post(`http://sneaky.test:${other.port}/`, {});
    assert.equal(ok.ok, true, ok.error ?? '');
  });
});

describe('checkWebhookUrl and isOwnAddress', () => {
  const own = [{ host: '127.0.0.1', port: 7823 }];
  test('http and https only', () => {
    assert.equal(checkWebhookUrl('https://hooks.example.com/x', own).host, 'hooks.example.com');
    for (const bad of ['ftp://x/y', 'file:///etc/passwd', 'javascript:alert(1)', 'gopher://x', 'nonsense', ''])
      assert.throws(() => checkWebhookUrl(bad, own), (e: { code?: string }) => e.code === 'VALIDATION_FAILED', bad);
  });
  test('every spelling of loopback and "any" on the daemon port is the daemon', () => {
    for (const a of ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1', '0.0.0.0', '::']) assert.equal(isOwnAddress(a, 7823, own), true, a);
    assert.equal(isOwnAddress('127.0.0.1', 7824, own), false);
    assert.equal(isOwnAddress('10.1.2.3', 7823, own), false);
    assert.equal(isOwnAddress('10.1.2.3', 7823, [{ host: '10.1.2.3', port: 7823 }]), true, 'an exposed bind address');
  });
});

describe('Notifier', () => {
  test('a failing sink does not stop the others; the hub publishes notification.created', async () => {
    const published: unknown[] = [];
    const bus = { publish: (_p: string, type: string, data: unknown) => void published.push({ type, data }) } as unknown as Parameters<typeof hubSink>[0];
    const n = new Notifier({ onError: () => {} });
    n.add({ name: 'broken', send: () => { throw new Error('down'); } });
    n.add(hubSink(bus));
    n.add(webhookSink(new WebhookSender(noWait)));
    const out = await n.notify({ project_id: 'prj_x', kind: 'task_result', level: 'error', title: 'Task t failed', message: 'exit 1', task_id: 'tsk_1', run_id: 'trn_1' });
    assert.deepEqual(out, { broken: 'failed: down', hub: null, webhook: null });
    assert.deepEqual(published, [{ type: 'notification.created', data: { kind: 'task_result', level: 'error', title: 'Task t failed', message: 'exit 1', task_id: 'tsk_1', run_id: 'trn_1', conversation_id: null, approval_id: null } }]);
  });
});
