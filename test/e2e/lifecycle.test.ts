/**
 * The daemon's life on one home: one daemon at a time, a kill -9 loses no
 * data and leaves no stuck lock, and SIGTERM lets a request that is still
 * uploading finish before the process exits 0 and cleans up after itself.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { PageOf, Project } from '../../src/contracts/index.ts';
import {
  cleanup,
  createKey,
  dataOf,
  isAlive,
  readLockFile,
  request,
  sock,
  spawnDaemon,
  startDaemon,
  stopDaemon,
  tcp,
  tempHome,
  waitFor,
  type DaemonProc,
  type RawResponse,
} from './helpers.ts';

/** Resolves true once nothing accepts connections at the target any more. */
function refuses(target: { port: number } | { path: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(target);
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('one daemon per home', () => {
  after(cleanup);

  it('a second daemon on the same home refuses, names the pid and socket, exits non-zero, and disturbs nothing', async () => {
    const home = tempHome('two');
    const first = await startDaemon(home);
    const lockBefore = readFileSync(join(home, 'zeblitd.lock'), 'utf8');

    const second = spawnDaemon(home);
    const exit = await second.exited;
    assert.notEqual(exit.code, 0, 'the second daemon must fail');
    assert.equal(exit.signal, null);
    const out = second.output();
    assert.match(out, /already running/i);
    assert.match(out, new RegExp(`pid ${first.pid}\\b`));
    assert.ok(out.includes(first.socket), `the message names the socket: ${out}`);

    assert.equal(readFileSync(join(home, 'zeblitd.lock'), 'utf8'), lockBefore, 'the lock is untouched');
    assert.equal((await request(sock(first), { path: '/api/v1/health' })).status, 200);
    assert.equal((await request(tcp(first), { path: '/api/v1/health' })).status, 200);
    const log = readFileSync(join(home, 'logs', 'zeblitd.log'), 'utf8');
    assert.ok(!log.includes(`"pid":${second.child.pid}`), 'the refused daemon wrote to the log of the running one');
  });
});

describe('kill -9 and restart', () => {
  after(cleanup);

  it('keeps every project, user and key, and the stale lock does not block the restart', async () => {
    const home = tempHome('k9');
    const d1 = await startDaemon(home);
    const ownerKey = await createKey(d1, 'owner ci');
    const projects = [];
    for (const name of ['alpha', 'beta']) {
      projects.push(dataOf(await request<Project>(sock(d1), { method: 'POST', path: '/api/v1/projects', json: { name, description: `${name} project` } })));
    }
    const carol = dataOf(
      await request<{ user: { id: string }; api_key: { id: string; key: string } }>(sock(d1), { method: 'POST', path: '/api/v1/users', json: { name: 'carol' } }),
    );
    const carolProject = dataOf(await request<Project>(tcp(d1), { method: 'POST', path: '/api/v1/projects', bearer: carol.api_key.key, json: { name: 'carols' } }));

    const exit = await stopDaemon(d1, 'SIGKILL');
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(readLockFile(home)?.pid, d1.pid, 'a killed daemon leaves its lock behind');
    assert.ok(!isAlive(d1.pid));

    const d2 = await startDaemon(home);
    assert.notEqual(d2.pid, d1.pid);
    assert.equal(readLockFile(home)?.pid, d2.pid, 'the new daemon owns the lock');
    const log = await waitFor('the stale-lock warning', () => {
      const t = readFileSync(join(home, 'logs', 'zeblitd.log'), 'utf8');
      return t.includes('stale_pid') ? t : undefined;
    });
    assert.ok(log.includes(`"stale_pid":${d1.pid}`));

    const list = dataOf(await request<PageOf<Project>>(sock(d2), { path: '/api/v1/projects' }));
    assert.deepEqual(list.items.map((p) => p.name).sort(), ['alpha', 'beta']);
    for (const p of projects) {
      assert.equal(dataOf(await request<Project>(sock(d2), { path: `/api/v1/projects/${p.id}` })).name, p.name);
      assert.ok(existsSync(join(home, 'projects', p.id, 'workspace')), 'the workspace survived');
    }
    const users = dataOf(await request<{ id: string; name: string }[]>(sock(d2), { path: '/api/v1/users' }));
    assert.ok(users.some((u) => u.id === carol.user.id && u.name === 'carol'));
    const keys = dataOf(await request<{ id: string }[]>(sock(d2), { path: '/api/v1/auth/keys' }));
    assert.ok(keys.some((k) => k.id === ownerKey.id));

    // The keys still authenticate (same secret.key, same hashes) on the new port.
    const viaOwnerKey = await request<PageOf<Project>>(tcp(d2), { path: '/api/v1/projects', bearer: ownerKey.key });
    assert.equal(dataOf(viaOwnerKey).total, 2);
    const viaCarol = await request<PageOf<Project>>(tcp(d2), { path: '/api/v1/projects', bearer: carol.api_key.key });
    assert.deepEqual(dataOf(viaCarol).items.map((p) => p.id), [carolProject.id]);
  });
});

describe('graceful shutdown on SIGTERM', () => {
  after(cleanup);

  it('finishes an upload in flight, closes WebSockets with 1001, exits 0, removes socket and lock', async () => {
    const home = tempHome('term');
    const d = await startDaemon(home);
    const key = await createKey(d, 'term');

    // A WebSocket that is open when the signal arrives.
    const ws = new WebSocket(`ws+unix://${d.socket}:/api/v1/ws/echo`);
    await new Promise((r) => ws.once('message', r));
    const wsClosed = new Promise<number>((r) => ws.once('close', (code) => r(code)));

    // A project creation whose body is still being uploaded when SIGTERM arrives.
    const body = Buffer.from(JSON.stringify({ name: 'inflight', description: 'x'.repeat(1000) }));
    const half = Math.floor(body.length / 2);
    let uploadRest: () => void = () => {};
    const answer = new Promise<RawResponse<Project>>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: d.port, method: 'POST', path: '/api/v1/projects', agent: false, headers: { 'content-type': 'application/json', 'content-length': String(body.length), authorization: `Bearer ${key.key}` } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: JSON.parse(text) as RawResponse<Project>['body'] }));
        },
      );
      req.on('error', reject);
      req.write(body.subarray(0, half));
      uploadRest = () => req.end(body.subarray(half));
    });
    // A round trip on another connection: the daemon has read our headers by then.
    assert.equal((await request(sock(d), { path: '/api/v1/health' })).status, 200);

    d.child.kill('SIGTERM');
    // It stops accepting at once, on both listeners...
    await waitFor('TCP to refuse new connections', () => refuses({ port: d.port }));
    await waitFor('the socket to refuse new connections', () => refuses({ path: d.socket }));
    assert.equal(d.child.exitCode, null, 'the daemon must wait for the request in flight');
    assert.equal(await wsClosed, 1001, 'open WebSockets are told the daemon is going away');

    // ...and the request in flight still completes.
    uploadRest();
    const r = await answer;
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body?.data?.name, 'inflight');

    const exit = await d.exited;
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(!existsSync(d.socket), 'the socket file is removed');
    assert.ok(!existsSync(join(home, 'zeblitd.lock')), 'the lock is removed');
    const log = readFileSync(join(home, 'logs', 'zeblitd.log'), 'utf8');
    assert.match(log, /"reason":"SIGTERM"/);
    assert.match(log, /"msg":"stopped"/);

    // The project written during shutdown was committed before the database closed.
    const again = await startDaemon(home);
    const p = await request<Project>(sock(again), { path: '/api/v1/projects/inflight' });
    assert.equal(p.status, 200, p.text);
    assert.deepEqual(await stopDaemon(again), { code: 0, signal: null });
  });

  it('SIGINT stops it the same way', async () => {
    const d = await startDaemon(tempHome('int'));
    assert.deepEqual(await stopDaemon(d, 'SIGINT'), { code: 0, signal: null });
    assert.ok(!existsSync(d.socket));
    assert.ok(!existsSync(join(d.home, 'zeblitd.lock')));
  });
});
