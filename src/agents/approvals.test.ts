import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ZeblitError, type ChatStreamRecord, type Project } from '../contracts/index.ts';
import type { FakeRequest } from '../llm/testing/fake-llm.ts';
import type { ToolResultBlock } from '../llm/index.ts';
import type { AgentService } from './index.ts';
import { agentsFixture, type AgentsFixture } from './testing.ts';

const lastResult = (req: FakeRequest | undefined) => req?.messages.at(-1)?.content.find((b): b is ToolResultBlock => b.type === 'tool_result');

/** Starts a turn and resolves with the first approval it asks for (and the turn's promise). */
function chatUntilApproval(svc: AgentService, userId: string, project: Project, message: string) {
  let onApproval: (rec: Extract<ChatStreamRecord, { type: 'approval_needed' }>) => void = () => {};
  const asked = new Promise<Extract<ChatStreamRecord, { type: 'approval_needed' }>>((r) => (onApproval = r));
  let conversationId = '';
  const turn = svc.chat({ userId, project }, { message, stream: false, agent: 'engineer' }, {
    onRecord: (rec) => {
      if (rec.type === 'start') conversationId = rec.conversation_id;
      if (rec.type === 'approval_needed') onApproval(rec);
    },
  });
  return { asked, turn, conversationId: () => conversationId };
}

describe('approvals (project setting approval: ask)', () => {
  let f: AgentsFixture;
  before(async () => {
    f = await agentsFixture();
  });
  after(() => f.close());
  beforeEach(() => f.fake.reset());

  test('approve: the tool waits, the agent is waiting, then it runs', async () => {
    const p = f.project(undefined, { approval: 'ask' });
    f.fake.script([{ tool_calls: [{ name: 'write_file', input: { path: 'other.txt', content: 'x' } }] }, { text: 'written' }]);
    const t = chatUntilApproval(f.agents, f.ownerId, p, 'do something');
    const rec = await t.asked;
    assert.equal(rec.tool, 'write_file');
    assert.match(rec.reason, /other\.txt/);
    const eng = f.agents.status().find((a) => a.name === 'engineer');
    assert.equal(eng?.status, 'waiting');
    assert.equal(eng?.project_id, p.id);
    assert.equal(eng?.conversation_id, t.conversationId());
    const pending = f.agents.approvals(p.id, 'pending');
    assert.equal(pending.length, 1);
    assert.equal(pending[0]?.conversation_id, t.conversationId());
    assert.ok(!existsSync(join(f.files.root(p.id), 'other.txt')), 'nothing runs before the decision');
    const decided = f.agents.decide(p.id, rec.approval_id, { decision: 'approve' }, 'alice');
    assert.equal(decided.status, 'approved');
    assert.equal(decided.decided_by, 'alice');
    const res = await t.turn;
    assert.equal(res.status, 'completed');
    assert.equal(res.steps[0]?.ok, true);
    assert.ok(existsSync(join(f.files.root(p.id), 'other.txt')));
    const types = f.events.filter((e) => e.project_id === p.id).map((e) => e.type);
    assert.ok(types.includes('agent.approval_needed') && types.includes('agent.approval_resolved'));
    const states = f.events.filter((e) => e.project_id === p.id && e.type === 'agent.status').map((e) => (e.data as { status: string }).status);
    assert.deepEqual(states, ['working', 'waiting', 'working', 'idle']);
    assert.equal(f.agents.status().find((a) => a.name === 'engineer')?.status, 'idle');
    // Decided once: a second decision is a CONFLICT.
    assert.throws(() => f.agents.decide(p.id, rec.approval_id, { decision: 'deny' }, 'bob'), (e: unknown) => e instanceof ZeblitError && e.code === 'CONFLICT');
    assert.throws(() => f.agents.decide(p.id, 'apv_nope', { decision: 'deny' }, 'bob'), (e: unknown) => e instanceof ZeblitError && e.code === 'NOT_FOUND');
  });

  test('deny: the model reads "denied by <user>: <note>" and adapts', async () => {
    const p = f.project(undefined, { approval: 'ask' });
    f.fake.script([
      { tool_calls: [{ name: 'write_file', input: { path: 'secret.txt', content: 'x' } }] },
      (req) => {
        const r = lastResult(req);
        assert.equal(r?.is_error, true);
        assert.equal(r?.content, 'denied by alice: write to notes.txt instead');
        return { tool_calls: [{ name: 'write_file', input: { path: 'notes.txt', content: 'x' } }] };
      },
      { text: 'done' },
    ]);
    // notes.txt is named in the request: writing it is inside the task, no approval.
    const t = chatUntilApproval(f.agents, f.ownerId, p, 'keep notes in notes.txt');
    const rec = await t.asked;
    f.agents.decide(p.id, rec.approval_id, { decision: 'deny', note: 'write to notes.txt instead' }, 'alice');
    const res = await t.turn;
    assert.equal(res.status, 'completed');
    assert.deepEqual(res.steps.map((s) => s.ok), [false, true]);
    assert.deepEqual(res.files_changed, ['notes.txt']);
    assert.equal(f.agents.approvals(p.id).length, 1);
    assert.equal(f.agents.approvals(p.id, 'denied')[0]?.note, 'write to notes.txt instead');
  });

  test('timeout: the approval expires and counts as a denial; deciding it later is a CONFLICT', async () => {
    const p = f.project(undefined, { approval: 'ask' });
    const svc = f.service({ approvalTimeoutMs: 200 });
    f.fake.script([
      { tool_calls: [{ name: 'delete_file', input: { path: 'whatever.txt' } }] },
      (req) => {
        assert.match(lastResult(req)?.content ?? '', /denied: nobody approved it in time/);
        return { text: 'ok, leaving it' };
      },
    ]);
    const t = chatUntilApproval(svc, f.ownerId, p, 'clean up');
    const rec = await t.asked;
    const res = await t.turn;
    assert.equal(res.status, 'completed');
    const a = svc.approvals(p.id)[0];
    assert.equal(a?.status, 'expired');
    assert.throws(() => svc.decide(p.id, rec.approval_id, { decision: 'approve' }, 'alice'), (e: unknown) => e instanceof ZeblitError && e.code === 'CONFLICT' && /expired/.test(e.message));
  });

  test('cancelling the turn releases the wait; a restarted daemon expires what was left pending', async () => {
    const p = f.project(undefined, { approval: 'ask' });
    f.fake.script([{ tool_calls: [{ name: 'write_file', input: { path: 'far.txt', content: 'x' } }] }]);
    const t = chatUntilApproval(f.agents, f.ownerId, p, 'go');
    await t.asked;
    assert.deepEqual(f.agents.cancel(p.id, t.conversationId()), { cancelled: true });
    const res = await t.turn;
    assert.equal(res.status, 'cancelled');
    assert.equal(f.agents.approvals(p.id)[0]?.status, 'expired');

    // A pending approval whose daemon is gone: the next one expires it at start.
    f.fake.script([{ tool_calls: [{ name: 'write_file', input: { path: 'far2.txt', content: 'x' } }] }]);
    const old = chatUntilApproval(f.agents, f.ownerId, p, 'again');
    const rec = await old.asked;
    const restarted = f.service();
    assert.equal(restarted.expireOrphanApprovals(), 1);
    assert.equal(restarted.approvals(p.id, 'pending').length, 0);
    assert.equal(restarted.approvals(p.id).find((a) => a.id === rec.approval_id)?.status, 'expired');
    f.agents.cancel(p.id, old.conversationId());
    assert.equal((await old.turn).status, 'cancelled');
  });

  test('approval: auto never asks', async () => {
    const p = f.project(undefined, { approval: 'auto' });
    f.fake.script([{ tool_calls: [{ name: 'write_file', input: { path: 'free.txt', content: 'x' } }] }, { text: 'done' }]);
    const res = await f.agents.chat({ userId: f.ownerId, project: p }, { message: 'go', stream: false, agent: 'engineer' });
    assert.equal(res.status, 'completed');
    assert.equal(f.agents.approvals(p.id).length, 0);
  });
});
