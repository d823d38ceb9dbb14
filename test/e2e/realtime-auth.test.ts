/**
 * Who may open the event WebSocket of the BUILT daemon, checked before the
 * handshake: TCP needs a bearer token (a header, or for browsers a JWT
 * offered as the subprotocol `bearer.<jwt>` next to `zeblit.v1`, which is
 * the one selected so the token is never echoed); Host and Origin are
 * checked; a token in the URL is refused; another user's project is simply
 * not found. No container is needed: these run without Docker.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Project } from '../../src/contracts/index.ts';
import { cleanup, createKey, dataOf, request, sock, startDaemon, tcp, tempHome, waitFor, type CreatedKey, type DaemonProc } from './helpers.ts';
import { DAEMON_SCRIPT, WsProbe, createProject, openProbe, socketUrl, tcpUrl, type Refusal } from './realtime-kit.ts';

const TRUSTED_ORIGIN = 'http://localhost:5173';

interface CreatedUser {
  user: { id: string; name: string };
  api_key: { id: string; key: string };
}

/** The HTTP status of a refused upgrade (fails if the upgrade went through). */
async function refusedWith(url: string, opts: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<number> {
  const probe = new WsProbe(url, opts);
  try {
    await probe.opened;
  } catch (e) {
    return (e as Partial<Refusal>).status ?? -1;
  } finally {
    probe.close();
  }
  assert.fail(`the upgrade of ${url} was accepted`);
}

describe('real time: WebSocket auth, Host and Origin (built daemon)', () => {
  let d: DaemonProc;
  let key: CreatedKey;
  let jwt: string;
  let owned: Project;
  const probes: WsProbe[] = [];
  const keep = (p: WsProbe) => (probes.push(p), p);

  before(async () => {
    d = await startDaemon(tempHome('rta'), { script: DAEMON_SCRIPT, env: { ZEBLIT_ALLOWED_ORIGINS: TRUSTED_ORIGIN } });
    key = await createKey(d, 'realtime auth');
    jwt = dataOf(await request<{ token: string }>(tcp(d), { method: 'POST', path: '/api/v1/auth/token', bearer: key.key, json: {} })).token;
    owned = await createProject(d, 'owned', 'blank');
  });
  after(async () => {
    for (const p of probes) p.close();
    await cleanup();
  });

  it('TCP without a token is refused with 401; with the bearer header it opens', async () => {
    assert.equal(await refusedWith(tcpUrl(d, '/ws')), 401);
    assert.equal(await refusedWith(tcpUrl(d, `/ws/projects/${owned.id}/console`)), 401);
    assert.equal(await refusedWith(tcpUrl(d, '/ws'), { headers: { authorization: 'Bearer zbl_not_a_key' } }), 401);
    const ok = keep(await openProbe(tcpUrl(d, '/ws'), { headers: { authorization: `Bearer ${key.key}` } }));
    assert.equal((await ok.subscribe(owned.id, ['console'])).type, 'subscribed');
  });

  it('a wrong Origin or Host is refused with 403 before the handshake, even with a valid token', async () => {
    const auth = { authorization: `Bearer ${key.key}` };
    assert.equal(await refusedWith(tcpUrl(d, '/ws'), { headers: { ...auth, origin: 'http://evil.example' } }), 403);
    assert.equal(await refusedWith(tcpUrl(d, '/ws'), { headers: { ...auth, host: 'evil.example' } }), 403);
    assert.equal(await refusedWith(tcpUrl(d, '/ws'), { headers: { ...auth, host: `evil.example:${d.port}` } }), 403);
    // The allow-listed origin passes.
    keep(await openProbe(tcpUrl(d, '/ws'), { headers: { ...auth, origin: TRUSTED_ORIGIN } }));
  });

  it('a token in the URL is refused (401), on TCP and on the socket, whatever else is sent', async () => {
    for (const name of ['token', 'access_token', 'api_key', 'jwt']) {
      assert.equal(await refusedWith(tcpUrl(d, `/ws?${name}=${encodeURIComponent(key.key)}`)), 401, name);
      assert.equal(await refusedWith(tcpUrl(d, `/ws?${name}=${encodeURIComponent(key.key)}`), { headers: { authorization: `Bearer ${key.key}` } }), 401, name);
    }
    assert.equal(await refusedWith(socketUrl(d, `/ws?token=${encodeURIComponent(jwt)}`)), 401);
  });

  it('a JWT offered as the subprotocol bearer.<jwt> is accepted; the server selects zeblit.v1, never the token', async () => {
    for (const protocols of [
      ['zeblit.v1', `bearer.${jwt}`],
      [`bearer.${jwt}`, 'zeblit.v1'],
    ]) {
      const p = keep(new WsProbe(tcpUrl(d, '/ws'), { protocols, headers: { origin: TRUSTED_ORIGIN } }));
      const headers = await p.opened;
      assert.equal(headers['sec-websocket-protocol'], 'zeblit.v1', `offered ${protocols.map((x) => x.slice(0, 12)).join(', ')}`);
      assert.equal(p.ws.protocol, 'zeblit.v1');
      assert.ok(!JSON.stringify(headers).includes(jwt.slice(-20)), 'the token is not echoed');
      const hello = await p.next('hello');
      assert.equal(typeof hello.client_id, 'string');
      assert.equal((await p.subscribe(owned.id, ['console', 'files'])).type, 'subscribed');
    }
    // Offered alone, the token is still not selected: the server selects nothing (and the client gives up).
    const alone = keep(new WsProbe(tcpUrl(d, '/ws'), { protocols: [`bearer.${jwt}`] }));
    assert.equal((await alone.opened)['sec-websocket-protocol'], undefined);
    // A forged token in the subprotocol is refused like a forged header.
    assert.equal(await refusedWith(tcpUrl(d, '/ws'), { protocols: ['zeblit.v1', `bearer.${jwt.slice(0, -4)}AAAA`] }), 401);
  });

  it("another user's project answers error NOT_FOUND and never its events (by id, by name, with since_seq)", async () => {
    const bob = dataOf(await request<CreatedUser>(sock(d), { method: 'POST', path: '/api/v1/users', json: { name: 'bob-rt' } }));
    const auth = { authorization: `Bearer ${bob.api_key.key}` };
    // Something to replay: a file written in the owner's project publishes file.changed.
    const wrote = await request(sock(d), { method: 'POST', path: `/api/v1/projects/${owned.id}/files`, json: { path: 'secret.txt', content: 'for the owner only' } });
    assert.equal(wrote.status, 201, wrote.text);
    const owner = keep(await openProbe(socketUrl(d, '/ws')));
    const ownAck = await owner.subscribe(owned.id, ['files'], 0);
    assert.equal(ownAck.type === 'subscribed' && ownAck.replayed >= 1, true, 'the owner can replay it');

    const intruder = keep(await openProbe(tcpUrl(d, '/ws'), { headers: auth }));
    for (const ref of [owned.id, owned.name]) {
      const answer = await intruder.subscribe(ref, ['console', 'files'], 0);
      assert.equal(answer.type, 'error', JSON.stringify(answer));
      if (answer.type === 'error') assert.equal(answer.code, 'NOT_FOUND');
    }
    // Live events do not leak either.
    await request(sock(d), { method: 'POST', path: `/api/v1/projects/${owned.id}/files`, json: { path: 'secret2.txt', content: 'still private' } });
    await waitFor('the owner to see the second file', () => owner.events.some((e) => (e.data as { path?: string }).path === 'secret2.txt'));
    assert.deepEqual(intruder.events, [], 'the intruder received no event');
    assert.equal(await refusedWith(tcpUrl(d, `/ws/projects/${owned.id}/console`), { headers: auth }), 404);
  });
});
