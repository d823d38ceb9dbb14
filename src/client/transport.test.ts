import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeTransport, parseHost } from './transport.ts';
import { websocketUrl } from './websocket.ts';

describe('parseHost', () => {
  it('reads the usual spellings of a daemon address', () => {
    assert.deepEqual(parseHost('http://127.0.0.1:7823'), { kind: 'tcp', baseUrl: 'http://127.0.0.1:7823' });
    assert.deepEqual(parseHost('127.0.0.1:9000/'), { kind: 'tcp', baseUrl: 'http://127.0.0.1:9000' });
    assert.deepEqual(parseHost('localhost'), { kind: 'tcp', baseUrl: 'http://localhost:7823' });
    assert.deepEqual(parseHost('http://localhost:80'), { kind: 'tcp', baseUrl: 'http://localhost' });
    assert.deepEqual(parseHost('https://zeblit.example/base/', 'k'), { kind: 'tcp', baseUrl: 'https://zeblit.example/base', token: 'k' });
    assert.deepEqual(parseHost('[::1]:7823'), { kind: 'tcp', baseUrl: 'http://[::1]:7823' });
    assert.deepEqual(parseHost('unix:///tmp/z.sock'), { kind: 'unix', socketPath: '/tmp/z.sock' });
  });

  it('refuses what it cannot use', () => {
    assert.throws(() => parseHost('ftp://host'), /Unsupported scheme/);
    assert.throws(() => parseHost('unix://relative.sock'), /absolute/);
    assert.throws(() => parseHost('http://u:p@localhost:1'), /credentials/);
    assert.throws(() => parseHost('http://localhost:1/?token=x'), /query/);
    assert.throws(() => parseHost('http://exa mple'), /Not a valid/);
  });
});

describe('transport addresses', () => {
  it('describes and builds WebSocket URLs for both transports', () => {
    assert.equal(describeTransport({ kind: 'tcp', baseUrl: 'http://127.0.0.1:7823' }), 'http://127.0.0.1:7823');
    assert.equal(websocketUrl({ kind: 'unix', socketPath: '/h/zeblitd.sock' }, '/api/v1/ws/echo'), 'ws+unix:///h/zeblitd.sock:/api/v1/ws/echo');
    assert.equal(websocketUrl({ kind: 'tcp', baseUrl: 'http://127.0.0.1:7823' }, '/api/v1/ws/echo'), 'ws://127.0.0.1:7823/api/v1/ws/echo');
    assert.equal(websocketUrl({ kind: 'tcp', baseUrl: 'https://h.example/z' }, '/api/v1/x'), 'wss://h.example/z/api/v1/x');
  });
});
