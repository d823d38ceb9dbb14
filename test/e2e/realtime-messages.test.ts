/**
 * What the BUILT daemon answers to client messages on /ws, over the Unix
 * socket and TCP: an unsubscribe of a project it does not know is an error
 * naming it (it used to throw: no answer, a stack trace on stderr); the
 * connection stays usable; a message past the protocol limit (1 MiB) closes
 * the connection with 1009. No container is needed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Project, WsServerMessage } from '../../src/contracts/index.ts';
import { cleanup, createKey, startDaemon, tempHome, waitFor, type CreatedKey, type DaemonProc } from './helpers.ts';
import { DAEMON_SCRIPT, WsProbe, createProject, openProbe, socketUrl, tcpUrl } from './realtime-kit.ts';

/** Sends a message and waits for the answer carrying its id. */
async function ask(p: WsProbe, msg: Record<string, unknown> & { id: string }): Promise<WsServerMessage> {
  p.ws.send(JSON.stringify(msg));
  return waitFor(`the answer to ${msg.id}`, () => p.messages.find((m) => 'id' in m && m.id === msg.id), 10_000, 10);
}

/** Lines the daemon printed that are not its JSON log lines, or JSON lines at level error (50) and above. */
function alarming(output: string): string[] {
  return output
    .split('\n')
    .filter((l) => l.trim() !== '')
    .filter((l) => {
      try {
        return ((JSON.parse(l) as { level?: number }).level ?? 0) >= 50;
      } catch {
        return true;
      }
    });
}

describe('real time: every client message is answered (built daemon)', () => {
  let d: DaemonProc;
  let key: CreatedKey;
  let project: Project;
  const probes: WsProbe[] = [];
  const keep = (p: WsProbe) => (probes.push(p), p);

  before(async () => {
    d = await startDaemon(tempHome('rtm'), { script: DAEMON_SCRIPT });
    key = await createKey(d, 'realtime messages');
    project = await createProject(d, 'here', 'blank');
  });
  after(async () => {
    for (const p of probes) p.close();
    await cleanup();
  });

  it('unsubscribe of an unknown project: an error naming it, the connection goes on, nothing alarming on stderr', async () => {
    const printedBefore = d.output().length;
    for (const probe of [keep(await openProbe(socketUrl(d, '/ws'))), keep(await openProbe(tcpUrl(d, '/ws'), { headers: { authorization: `Bearer ${key.key}` } }))]) {
      await probe.next('hello');
      const answer = await ask(probe, { type: 'unsubscribe', project_id: 'prj_unknown_here', id: 'u1' });
      assert.equal(answer.type, 'error', JSON.stringify(answer));
      if (answer.type === 'error') {
        assert.equal(answer.code, 'NOT_FOUND');
        assert.match(answer.message, /prj_unknown_here/);
      }
      assert.equal((await ask(probe, { type: 'ping', id: 'p1' })).type, 'pong', 'still answering');
      assert.equal((await probe.subscribe(project.id, ['files'])).type, 'subscribed', 'still subscribing');
      assert.deepEqual(await ask(probe, { type: 'unsubscribe', project_id: project.id, id: 'u2' }), { type: 'unsubscribed', id: 'u2', project_id: project.id });
      assert.equal(probe.closeCode, null);
    }
    assert.deepEqual(alarming(d.output().slice(printedBefore)), [], 'no stack trace, no error logged');
  });

  it('a message past 1 MiB is refused by the protocol: the connection closes with 1009 (message too big)', async () => {
    const probe = keep(await openProbe(socketUrl(d, '/ws')));
    await probe.next('hello');
    probe.ws.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat((1 << 20) + 1) }));
    const { code } = await probe.closed;
    assert.equal(code, 1009);
  });
});
