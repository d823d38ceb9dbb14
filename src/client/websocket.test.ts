import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { DaemonUnreachableError, ZeblitApiError, ZeblitClient } from './index.ts';

/** Like /api/v1/ws/echo: hello first, then echo. Refuses the upgrade with an envelope when told to. */
function echoServer(requireToken: boolean): { server: Server; auth: Array<string | undefined> } {
  const auth: Array<string | undefined> = [];
  const server = createServer();
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    auth.push(req.headers.authorization);
    if (req.url === '/api/v1/ws/bare') {
      // As @hono/node-server answers a refused upgrade: status and headers, no body.
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nx-request-id: req_bare\r\nconnection: close\r\n\r\n');
      return;
    }
    if (req.url !== '/api/v1/ws/echo' || (requireToken && !req.headers.authorization)) {
      const body = JSON.stringify({
        success: false,
        data: null,
        error: { code: 'UNAUTHORIZED', message: 'Authentication required', suggestion: 'Send a bearer token' },
        metadata: { timestamp: '', request_id: 'req_ws', version: '0' },
      });
      socket.end(`HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(JSON.stringify({ type: 'hello', user: 'owner' }));
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
  return { server, auth };
}

async function firstMessages(ws: WebSocket, n: number): Promise<string[]> {
  const out: string[] = [];
  return new Promise((resolve) => {
    ws.on('message', (d) => {
      out.push(String(d));
      if (out.length === n) resolve(out);
    });
  });
}

describe('ZeblitClient WebSockets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zeblit-ws-'));
  const socketPath = join(dir, 'zeblitd.sock');
  const unix = echoServer(false);
  const tcp = echoServer(true);
  let baseUrl = '';

  before(async () => {
    await new Promise<void>((r) => unix.server.listen(socketPath, r));
    await new Promise<void>((r) => tcp.server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(tcp.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    unix.server.closeAllConnections();
    tcp.server.closeAllConnections();
    await new Promise<void>((r) => unix.server.close(() => r()));
    await new Promise<void>((r) => tcp.server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens over the Unix socket (ws+unix) and echoes', async () => {
    const client = new ZeblitClient({ transport: { kind: 'unix', socketPath } });
    const ws = await client.websocket('/ws/echo');
    const messages = firstMessages(ws, 2);
    await once(ws, 'open');
    ws.send('ping');
    assert.deepEqual(await messages, ['{"type":"hello","user":"owner"}', 'ping']);
    assert.equal(unix.auth.at(-1), undefined);
    ws.close();
    await once(ws, 'close');
  });

  it('opens over TCP with the Authorization header', async () => {
    const client = new ZeblitClient({ transport: { kind: 'tcp', baseUrl, token: 'zbl_x' } });
    const ws = await client.connectWebSocket('/ws/echo');
    const messages = firstMessages(ws, 2);
    ws.send('pong');
    assert.deepEqual((await messages)[1], 'pong');
    assert.equal(tcp.auth.at(-1), 'Bearer zbl_x');
    ws.close();
    await once(ws, 'close');
  });

  it('reads a refused handshake as an API error', async () => {
    const client = new ZeblitClient({ transport: { kind: 'tcp', baseUrl } });
    await assert.rejects(client.connectWebSocket('/ws/echo'), (e: unknown) => e instanceof ZeblitApiError && e.code === 'UNAUTHORIZED' && e.status === 401);
  });

  it('reads a refused handshake without a body by its status', async () => {
    const client = new ZeblitClient({ transport: { kind: 'unix', socketPath } });
    await assert.rejects(client.connectWebSocket('/ws/bare'), (e: unknown) => e instanceof ZeblitApiError && e.code === 'FORBIDDEN' && e.status === 403 && e.requestId === 'req_bare');
  });

  it('says the daemon is unreachable when no socket exists', async () => {
    const client = new ZeblitClient({ transport: { kind: 'unix', socketPath: join(dir, 'none.sock') } });
    await assert.rejects(client.connectWebSocket('/ws/echo'), (e: unknown) => e instanceof DaemonUnreachableError);
  });
});
