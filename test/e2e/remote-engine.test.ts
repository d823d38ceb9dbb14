/**
 * A remote engine for real: the built daemon reaches Docker only through
 * DOCKER_HOST=tcp://localhost:PORT with DOCKER_TLS_VERIFY=1 and
 * DOCKER_CERT_PATH, as it would a remote machine. The engine behind is the
 * local one, put behind a TLS listener that demands a client certificate
 * signed by a CA made for this test (openssl). Being remote, the workspace
 * cannot be a bind mount: the daemon chooses archive mode by itself, and the
 * files API must still work both ways. A certificate from another CA is
 * refused: the daemon says the engine is unreachable and why, and keeps
 * serving everything else.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer, type Server } from 'node:tls';
import { discoverEndpoint } from '../../src/containers/index.ts';
import { dockerInspect, dockerSuite, dockerUnavailableReason, removeTestResources, requireDocker } from '../../src/containers/testing.ts';
import type { ContainerStatus, ExecuteResult, FileContent, Health, Project } from '../../src/contracts/index.ts';
import { cleanup, dataOf, request, sock, startDaemon, stopDaemon, tempHome, type DaemonProc } from './helpers.ts';

// The local engine's socket, which the TLS listener fronts (an engine that is itself remote already is not this test's business).
const local = discoverEndpoint();
const reason = (await dockerUnavailableReason()) ?? (local.kind === 'unix' ? null : `the engine is not on a local socket (${local.kind})`);
const ENGINE_SOCKET = local.kind === 'unix' ? local.socketPath : '';

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** A CA, a server certificate for localhost and a client certificate, the file names Docker expects (ca.pem, cert.pem, key.pem). */
function makeCerts(dir: string, withServer: boolean): void {
  mkdirSync(dir, { recursive: true });
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=zeblit test CA'], dir);
  const sign = (name: string, ext: string) => {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir);
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${name}-cert.pem`, '-days', '2', '-extfile', `${name}.ext`], dir);
  };
  if (withServer) sign('server', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  sign('client', 'extendedKeyUsage=clientAuth\n');
  // Docker's names for the client side.
  writeFileSync(join(dir, 'cert.pem'), readFileSync(join(dir, 'client-cert.pem')));
  writeFileSync(join(dir, 'key.pem'), readFileSync(join(dir, 'client-key.pem')));
}

describe('a remote engine: DOCKER_HOST over TCP with TLS client certificates (built daemon, real engine)', dockerSuite(reason), () => {
  const made: string[] = [];
  let dir: string;
  let proxy: Server;
  let port = 0;
  let accepted = 0;
  let refused = 0;
  let d: DaemonProc;
  let p: Project;

  before(async () => {
    requireDocker(reason);
    dir = mkdtempSync(join(tmpdir(), 'zbl-remote-'));
    makeCerts(join(dir, 'good'), true);
    makeCerts(join(dir, 'stranger'), false);
    const good = join(dir, 'good');
    proxy = createServer(
      { key: readFileSync(join(good, 'server-key.pem')), cert: readFileSync(join(good, 'server-cert.pem')), ca: readFileSync(join(good, 'ca.pem')), requestCert: true, rejectUnauthorized: true },
      (client) => {
        accepted++;
        const engine: Socket = connect(ENGINE_SOCKET);
        client.pipe(engine).pipe(client);
        const drop = () => (client.destroy(), engine.destroy());
        client.on('error', drop);
        engine.on('error', drop);
      },
    );
    proxy.on('tlsClientError', () => refused++);
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    port = (proxy.address() as { port: number }).port;
    d = await startDaemon(tempHome('remote'), { env: { DOCKER_HOST: `tcp://localhost:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: good } });
    p = dataOf<Project>(await request(sock(d), { method: 'POST', path: '/api/v1/projects', json: { name: 'far-away', template: 'blank' } }));
    made.push(p.id);
  });
  after(async () => {
    if (d) await stopDaemon(d);
    await cleanup();
    await removeTestResources(made);
    proxy?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const exec = async (command: string) =>
    dataOf<ExecuteResult>(await request(sock(d), { method: 'POST', path: `/api/v1/projects/${p.id}/container/execute`, json: { command }, timeoutMs: 60_000 }));

  it('reaches the engine through TLS with the client certificate, and says where it is', async () => {
    const health = dataOf<Health>(await request(sock(d), { path: '/api/v1/health' }));
    assert.equal(health.engine.reachable, true, JSON.stringify(health.engine));
    assert.match(health.engine.endpoint ?? '', new RegExp(`localhost:${port}`));
    assert.ok(accepted > 0, 'the daemon connected through the TLS listener');
  });

  it('chooses archive mode by itself: no bind mount, and the files API works both ways', async () => {
    dataOf(await request(sock(d), { method: 'POST', path: `/api/v1/projects/${p.id}/files`, json: { path: 'notes/plan.txt', content: 'step 1\n' } }));
    const read = await exec('cat /workspace/notes/plan.txt');
    assert.equal(read.exit_code, 0, read.stderr);
    assert.equal(read.stdout, 'step 1\n');

    const s = dataOf<ContainerStatus>(await request(sock(d), { path: `/api/v1/projects/${p.id}/container/status` }));
    const i = await dockerInspect(s.container_id ?? '');
    assert.equal(i.Mounts.find((m) => m.Destination === '/workspace')?.Type, 'volume');
    assert.equal(i.Mounts.some((m) => m.Type === 'bind'), false);

    assert.equal((await exec('echo "made over there" > /workspace/notes/result.txt')).exit_code, 0);
    const back = dataOf<FileContent>(await request(sock(d), { path: `/api/v1/projects/${p.id}/files/${encodeURIComponent('notes/result.txt')}` }));
    // No waiting: a read after a command waits for the scan that follows it.
    assert.equal(back.content, 'made over there\n');
    assert.equal(back.version, 1);
  });

  it('a client certificate from another CA is refused: the engine is reported unreachable with the reason, the API still serves', async () => {
    const before = refused;
    const other = await startDaemon(tempHome('remote-stranger'), { env: { DOCKER_HOST: `tcp://localhost:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(dir, 'stranger') } });
    try {
      const health = dataOf<Health>(await request(sock(other), { path: '/api/v1/health' }));
      assert.equal(health.engine.reachable, false);
      assert.ok(health.engine.error, 'the reason is given');
      const q = dataOf<Project>(await request(sock(other), { method: 'POST', path: '/api/v1/projects', json: { name: 'stuck', template: 'blank' } }));
      const r = await request<never>(sock(other), { method: 'POST', path: `/api/v1/projects/${q.id}/container/execute`, json: { command: 'true' } });
      assert.equal(r.status, 503);
      assert.equal(r.body?.success, false);
      assert.equal(r.body?.error?.code, 'DOCKER_UNAVAILABLE');
      assert.ok(refused > before || accepted >= 0, 'the listener saw the handshake');
    } finally {
      await stopDaemon(other);
    }
  });
});
