/**
 * End to end with a real container: the Engineer writes a Python program
 * with a bug, runs it, reads the traceback, fixes it and runs it again; and a
 * turn cancelled while its command runs kills that command.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChatStreamRecord, Project } from '../contracts/index.ts';
import { dockerSuite, dockerUnavailableReason } from '../containers/testing.ts';
import type { ToolResultBlock } from '../llm/index.ts';
import type { FakeRequest } from '../llm/testing/fake-llm.ts';
import { agentsFixture, type AgentsFixture } from './testing.ts';

const reason = await dockerUnavailableReason(['zeblit/python:local']);

const lastResult = (req: FakeRequest) => req.messages.at(-1)?.content.find((b): b is ToolResultBlock => b.type === 'tool_result');

const BUGGY = 'def average(xs):\n    return sum(xs) / len(xs)\n\nprint("average:", average([]))\n';

describe('the Engineer against a real python container', dockerSuite(reason), () => {
  let f: AgentsFixture;
  let p: Project;
  before(async () => {
    f = await agentsFixture({ docker: true });
    p = f.project('engineer-e2e', {}, 'python');
  });
  after(() => f?.close());

  test('write → run (fails) → read the traceback → edit → run (passes) → finish', async () => {
    f.fake.reset();
    f.fake.script([
      { text: 'I will write the program.', tool_calls: [{ name: 'write_file', input: { path: 'calc.py', content: BUGGY } }] },
      { tool_calls: [{ name: 'run_command', input: { command: 'python3 calc.py' } }] },
      (req) => {
        // The model must see the failure: exit code, traceback, the detected error.
        const r = lastResult(req);
        assert.ok(r, 'a tool result came back');
        assert.match(r.content, /exit code 1/);
        assert.match(r.content, /ZeroDivisionError/);
        assert.match(r.content, /calc\.py/);
        return { text: 'Empty list divides by zero; fixing.', tool_calls: [{ name: 'edit_file', input: { path: 'calc.py', old_text: '    return sum(xs) / len(xs)', new_text: '    return sum(xs) / len(xs) if xs else 0.0' } }] };
      },
      { tool_calls: [{ name: 'run_command', input: { command: 'python3 calc.py' } }] },
      (req) => {
        const r = lastResult(req);
        assert.match(r?.content ?? '', /exit code 0/);
        assert.match(r?.content ?? '', /average: 0\.0/);
        return { tool_calls: [{ name: 'finish', input: { summary: 'Fixed calc.py: average([]) now returns 0.0; `python3 calc.py` exits 0.' } }] };
      },
    ]);
    const records: ChatStreamRecord[] = [];
    const res = await f.agents.chat({ userId: f.ownerId, project: p }, { message: 'Write calc.py that prints the average of an empty list, and make it run', stream: false, agent: 'engineer' }, { onRecord: (r) => records.push(r) });
    assert.equal(res.status, 'completed', JSON.stringify(res.error));
    assert.equal(f.fake.remaining(), 0);
    assert.match(res.answer, /^Fixed calc\.py/);
    assert.deepEqual(res.steps.map((s) => [s.tool, s.ok]), [
      ['write_file', true],
      ['run_command', true],
      ['edit_file', true],
      ['run_command', true],
      ['finish', true],
    ]);
    assert.deepEqual(res.files_changed, ['calc.py']);
    assert.equal(res.runs.length, 2);
    assert.equal(res.steps[1]?.run_id, res.runs[0]);
    assert.equal(res.steps[3]?.run_id, res.runs[1]);

    // The runs, as the containers domain recorded them.
    const first = f.containers.getRun(p, res.runs[0] as string);
    const second = f.containers.getRun(p, res.runs[1] as string);
    assert.equal(first.exit_code, 1);
    assert.equal(second.exit_code, 0);
    assert.match(second.stdout, /average: 0\.0/);
    // Live output reached the stream.
    assert.ok(records.some((r) => r.type === 'run_output' && r.run_id === res.runs[1] && /average: 0\.0/.test(r.data)));

    // The file, versioned by the agent.
    const file = await f.files.read(p.id, 'calc.py');
    assert.match(file.content ?? '', /if xs else 0\.0/);
    const versions = await f.files.versions(p.id, 'calc.py');
    const byAgent = versions.items.filter((v) => v.author === 'agent:engineer');
    assert.equal(byAgent.length, 2);

    // Tokens and cost add up: the turn's usage is the sum of its recorded calls.
    const calls = f.llm.calls.recent(50, res.conversation_id).filter((c) => c.outcome === 'ok');
    assert.equal(calls.length, 5);
    assert.equal(res.usage.calls, 5);
    assert.equal(res.usage.input_tokens, calls.reduce((n, c) => n + c.input_tokens, 0));
    assert.equal(res.usage.output_tokens, calls.reduce((n, c) => n + c.output_tokens, 0));
    assert.ok(Math.abs(res.usage.cost_usd - calls.reduce((n, c) => n + c.cost_usd, 0)) < 1e-9);
    assert.ok(res.usage.cost_usd > 0);

    // The history keeps it all.
    const conv = f.agents.history(p.id, { conversation_id: res.conversation_id, limit: 20, offset: 0 });
    assert.ok('messages' in conv);
    assert.equal(conv.messages[1]?.steps.length, 5);
    assert.ok(Math.abs(conv.cost_usd - res.usage.cost_usd) < 1e-9);
  });

  test('cancelling mid-turn kills the running command; the steps so far stay recorded', async () => {
    f.fake.reset();
    f.fake.script([{ tool_calls: [{ name: 'run_command', input: { command: 'echo started; sleep 60; echo never' } }] }]);
    let conversationId = '';
    let cancelled = false;
    const res = await f.agents.chat({ userId: f.ownerId, project: p }, { message: 'run the long job', stream: false, agent: 'engineer' }, {
      onRecord: (r) => {
        if (r.type === 'start') conversationId = r.conversation_id;
        if (r.type === 'run_output' && /started/.test(r.data) && !cancelled) {
          cancelled = true;
          assert.deepEqual(f.agents.cancel(p.id, conversationId), { cancelled: true });
        }
      },
    });
    assert.ok(cancelled, 'the command started');
    assert.equal(res.status, 'cancelled');
    assert.equal(res.steps.length, 1);
    assert.match(res.steps[0]?.output ?? '', /killed: the turn was cancelled/);
    const run = f.containers.getRun(p, res.runs[0] as string);
    assert.equal(run.status, 'killed');
    assert.doesNotMatch(run.stdout, /never/);
    const conv = f.agents.history(p.id, { conversation_id: res.conversation_id, limit: 20, offset: 0 });
    assert.ok('messages' in conv);
    assert.equal(conv.messages[1]?.status, 'cancelled');
    assert.equal(conv.messages[1]?.steps.length, 1);
  });
});
