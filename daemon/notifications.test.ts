/** The agents' side of notifications, as boot wires it: approvals waiting and long turns reach the hub. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { agentsFixture, type AgentsFixture } from '../src/agents/testing.ts';
import type { EventPayload } from '../src/contracts/index.ts';
import { Notifier, hubSink } from '../src/notify/index.ts';
import { notifyFromAgents } from './notifications.ts';

describe('notifyFromAgents', () => {
  let f: AgentsFixture;
  let off: () => void;
  before(async () => {
    f = await agentsFixture();
    const notifier = new Notifier();
    notifier.add(hubSink(f.bus));
    // Every turn counts as long here; the daemon's threshold is LONG_TURN_MS.
    off = notifyFromAgents({ bus: f.bus, agents: f.agents, notifier, longTurnMs: 0 });
  });
  after(async () => {
    off?.();
    await f?.close();
  });
  const notices = () => f.events.filter((e) => e.type === 'notification.created').map((e) => ({ project: e.project_id, ...(e.data as EventPayload<'notification.created'>) }));

  test('an approval waiting becomes a warning notification of its project', async () => {
    const p = f.project('approvals');
    f.bus.publish(p.id, 'agent.approval_needed', { approval_id: 'apv_1', agent: 'engineer', conversation_id: 'cnv_1', tool: 'run_command', input: { command: 'rm -rf build' }, reason: 'runs a command: rm -rf build', expires_at: 0 });
    await new Promise((r) => setImmediate(r));
    const n = notices().at(-1);
    assert.deepEqual(
      { project: n?.project, kind: n?.kind, level: n?.level, title: n?.title, approval_id: n?.approval_id, conversation_id: n?.conversation_id },
      { project: p.id, kind: 'approval_needed', level: 'warning', title: 'engineer asks for approval: run_command', approval_id: 'apv_1', conversation_id: 'cnv_1' },
    );
  });

  test('a turn that ended (long enough) is told, with its answer', async () => {
    const p = f.project('turns');
    f.fake.script([{ text: 'All tests pass.' }]);
    const res = await f.agents.chat({ userId: f.ownerId, project: p }, { message: 'run the tests', agent: 'engineer', stream: false });
    const n = notices().at(-1);
    assert.equal(n?.kind, 'turn_finished');
    assert.equal(n?.level, 'info');
    assert.match(n?.title ?? '', /^engineer finished \(completed\) after \d+ s$/);
    assert.equal(n?.message, 'All tests pass.');
    assert.equal(n?.conversation_id, res.conversation_id);
  });
});
