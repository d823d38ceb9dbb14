import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ZeblitError } from '../contracts/index.ts';
import { candidateSockets, describeEndpoint, discoverEndpoint, dockerUnavailable } from './discovery.ts';
import { EngineGate } from './gate.ts';
import type { ContainerEngine, Endpoint } from './engine.ts';

const none = () => false;
const files: Record<string, string> = { '/certs/ca.pem': 'CA', '/certs/cert.pem': 'CERT', '/certs/key.pem': 'KEY' };
const readFile = (p: string) => {
  const v = files[p];
  if (v === undefined) throw new Error(`ENOENT ${p}`);
  return Buffer.from(v);
};

describe('engine discovery', () => {
  test('DOCKER_HOST unix://', () => {
    assert.deepEqual(discoverEndpoint({ env: { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }, exists: none }), { kind: 'unix', socketPath: '/run/user/1000/docker.sock' });
  });

  test('DOCKER_HOST tcp:// without TLS, default port 2375', () => {
    const e = discoverEndpoint({ env: { DOCKER_HOST: 'tcp://10.0.0.5' }, exists: none });
    assert.deepEqual(e, { kind: 'tcp', host: '10.0.0.5', port: 2375, tls: null });
    assert.equal(describeEndpoint(e), 'tcp://10.0.0.5:2375');
  });

  test('DOCKER_HOST tcp:// with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', () => {
    const e = discoverEndpoint({ env: { DOCKER_HOST: 'tcp://docker.example:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }, exists: none, readFile });
    assert.equal(e.kind, 'tcp');
    if (e.kind !== 'tcp') return;
    assert.equal(e.port, 2376);
    assert.equal(e.tls?.ca?.toString(), 'CA');
    assert.equal(e.tls?.cert?.toString(), 'CERT');
    assert.equal(e.tls?.key?.toString(), 'KEY');
    assert.equal(describeEndpoint(e), 'https://docker.example:2376');
  });

  test('TLS without a port defaults to 2376; IPv6 hosts', () => {
    const e = discoverEndpoint({ env: { DOCKER_HOST: 'tcp://[::1]', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' }, exists: none, readFile });
    assert.equal(describeEndpoint(e), 'https://[::1]:2376');
  });

  test('a DOCKER_HOST we cannot read is DOCKER_UNAVAILABLE with advice', () => {
    assert.throws(
      () => discoverEndpoint({ env: { DOCKER_HOST: 'npipe:////./pipe/docker_engine' }, exists: none }),
      (e: unknown) => e instanceof ZeblitError && e.code === 'DOCKER_UNAVAILABLE' && /DOCKER_HOST/.test(e.suggestion ?? ''),
    );
  });

  test('without DOCKER_HOST: the usual sockets in order (Docker, OrbStack, Docker Desktop, Colima)', () => {
    const home = '/home/u';
    assert.deepEqual(candidateSockets(home), [
      '/var/run/docker.sock',
      '/home/u/.orbstack/run/docker.sock',
      '/home/u/.docker/run/docker.sock',
      '/home/u/.colima/default/docker.sock',
    ]);
    const only = (path: string) => (p: string) => p === path;
    assert.deepEqual(discoverEndpoint({ env: {}, home, exists: only('/home/u/.colima/default/docker.sock') }), { kind: 'unix', socketPath: '/home/u/.colima/default/docker.sock' });
    assert.deepEqual(discoverEndpoint({ env: {}, home, exists: (p) => p.includes('orbstack') || p.includes('colima') }), { kind: 'unix', socketPath: '/home/u/.orbstack/run/docker.sock' });
    assert.deepEqual(discoverEndpoint({ env: {}, home, exists: none }), { kind: 'unix', socketPath: '/var/run/docker.sock' });
  });

  test('the unavailable error carries the code, 503 and the suggestion', () => {
    const e = dockerUnavailable('unix:///x.sock', new Error('connect ENOENT /x.sock'));
    assert.equal(e.status, 503);
    assert.equal(e.suggestion, 'Start OrbStack or Docker, or set DOCKER_HOST');
    assert.match(e.message, /unix:\/\/\/x\.sock.*ENOENT/);
  });
});

describe('engine gate', () => {
  /** An engine that answers or not, counting probes. */
  function fakeEngine(endpoint: string, state: { up: boolean; probes: number }): ContainerEngine {
    return {
      endpoint,
      async version() {
        state.probes++;
        if (!state.up) throw new Error('connect ECONNREFUSED');
        return { version: '27.0.1', apiVersion: '1.46', os: 'linux/amd64' };
      },
    } as unknown as ContainerEngine;
  }

  test('down: fails fast without probing again until retryMs passed; back up: recovers without a restart', async () => {
    let t = 0;
    const state = { up: false, probes: 0 };
    const endpoint: Endpoint = { kind: 'unix', socketPath: '/s.sock' };
    const changes: boolean[] = [];
    const gate = new EngineGate({ factory: (e) => fakeEngine(describeEndpoint(e), state), discover: () => endpoint, now: () => t, retryMs: 1000 });
    gate.onChange((up) => changes.push(up));
    await assert.rejects(gate.get(), (e: unknown) => e instanceof ZeblitError && e.code === 'DOCKER_UNAVAILABLE');
    await assert.rejects(gate.get());
    assert.equal(state.probes, 1, 'the second call did not wait on the engine');
    state.up = true;
    t += 500;
    await assert.rejects(gate.get());
    t += 600;
    const engine = await gate.get();
    assert.equal(engine.endpoint, 'unix:///s.sock');
    assert.equal(state.probes, 2);
    await gate.get();
    assert.equal(state.probes, 2, 'known up: no probe at all');
    gate.markDown(new Error('socket hang up'));
    assert.deepEqual(changes, [true, false]);
    const status = await gate.status();
    assert.equal(status.reachable, false);
    assert.equal(status.error, 'socket hang up');
  });
});
