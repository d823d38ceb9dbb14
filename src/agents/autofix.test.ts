/**
 * Auto-fix against a real python container and the fake LLM server: a run
 * that fails starts an Engineer turn; the command is run again to verify;
 * attempts are capped; agent runs, killed runs and projects without the
 * setting start nothing; a spent budget stops it with a clear reason.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ExecuteRequest, type EventPayload, type Project } from '../contracts/index.ts';
import { dockerSuite, dockerUnavailableReason } from '../containers/testing.ts';
import type { ToolResultBlock } from '../llm/index.ts';
import type { FakeRequest } from '../llm/testing/fake-llm.ts';
import { AutoFix } from './autofix.ts';
import { agentsFixture, type AgentsFixture } from './testing.ts';

const reason = await dockerUnavailableReason(['zeblit/python:local']);

const BROKEN = 'total = 0\nfor x in [1, 2, 3]:\n    total += x\nprint("total:", totl)\n';
type Fix = EventPayload<'agent.autofix'>;

describe('auto-fix', dockerSuite(reason), () => {
  let f: AgentsFixture;
  let autofix: AutoFix;
  let stop: () => void;
  const fixes = (projectId: string): Fix[] => f.events.filter((e) => e.project_id === projectId && e.type === 'agent.autofix').map((e) => e.data as Fix);

  before(async () => {
    f = await agentsFixture({ docker: true });
    autofix = new AutoFix({ agents: f.agents, projects: f.projects, containers: f.containers, console: f.console, bus: f.bus });
    stop = autofix.start();
  });
  after(async () => {
    stop?.();
    await f?.close();
  });
  beforeEach(() => f.fake.reset());

  async function failingRun(p: Project, source?: 'agent'): Promise<void> {
    await f.files.writeText(p.id, 'sum.py', BROKEN, 'utf-8', { author: 'user:test' });
    const run = await f.containers.run({ userId: f.ownerId, keyId: null, clientType: 'cli', source }, p, ExecuteRequest.parse({ command: 'python3 sum.py' }));
    const result = await run.finished;
    assert.equal(result.exit_code, 1);
  }

  test('a failed run is fixed by the Engineer and verified by running the command again', async () => {
    const p = f.project('fix-ok', { auto_fix: true, auto_fix_attempts: 2 }, 'python');
    let asked = '';
    f.fake.script([
      (req: FakeRequest) => {
        const first = req.messages[0]?.content.find((b) => b.type === 'text');
        asked = first && first.type === 'text' ? first.text : '';
        return { tool_calls: [{ name: 'edit_file', input: { path: 'sum.py', old_text: 'print("total:", totl)', new_text: 'print("total:", total)' } }] };
      },
      (req: FakeRequest) => {
        const r = req.messages.at(-1)?.content.find((b): b is ToolResultBlock => b.type === 'tool_result');
        assert.ok(r && !r.is_error, `the edit worked: ${r?.content}`);
        return { tool_calls: [{ name: 'finish', input: { summary: 'Fixed the typo totl → total in sum.py.' } }] };
      },
    ]);
    await failingRun(p);
    await waitUntil(() => fixes(p.id).some((x) => x.status === 'fixed' || x.status === 'gave_up'));
    await autofix.idle();

    // The Engineer was told what failed: the command, its exit code, the traceback and the detected error.
    assert.match(asked, /\[auto-fix\]/);
    assert.match(asked, /python3 sum\.py/);
    assert.match(asked, /exit code 1/);
    assert.match(asked, /NameError/);
    const seen = fixes(p.id);
    assert.deepEqual(seen.map((x) => x.status), ['started', 'fixed']);
    const fixed = seen[1]!;
    assert.deepEqual(fixed.files_changed, ['sum.py']);
    assert.match(fixed.message, /passes now/);
    assert.ok(fixed.conversation_id);
    // In the history like any conversation, the file changed by the Engineer as a version.
    const history = f.agents.history(p.id, { conversation_id: fixed.conversation_id!, limit: 20, offset: 0 });
    assert.ok('messages' in history && history.messages.length === 2);
    const versions = await f.files.versions(p.id, 'sum.py');
    assert.equal(versions.items.find((v) => v.current)?.author, 'agent:engineer');
    assert.equal((await f.files.read(p.id, 'sum.py')).content, BROKEN.replace('totl)', 'total)'));
  });

  test('stops after the configured attempts when the command keeps failing', async () => {
    const p = f.project('fix-never', { auto_fix: true, auto_fix_attempts: 2 }, 'python');
    f.fake.fallback(() => ({ tool_calls: [{ name: 'finish', input: { summary: 'I could not find it.' } }] }));
    await failingRun(p);
    await waitUntil(() => fixes(p.id).some((x) => x.status === 'gave_up'));
    await autofix.idle();
    assert.deepEqual(fixes(p.id).map((x) => [x.status, x.attempt]), [
      ['started', 1],
      ['failed', 1],
      ['started', 2],
      ['failed', 2],
      ['gave_up', 2],
    ]);
    // Both attempts are one conversation.
    const ids = new Set(fixes(p.id).map((x) => x.conversation_id).filter(Boolean));
    assert.equal(ids.size, 1);
  });

  test('a spent budget stops it before any model call, with the reason', async () => {
    const p = f.project('fix-broke', { auto_fix: true, monthly_budget_usd: 0 }, 'python');
    const before = f.fake.requests.length;
    await failingRun(p);
    await waitUntil(() => fixes(p.id).some((x) => x.status === 'gave_up'));
    await autofix.idle();
    assert.equal(f.fake.requests.length, before);
    const last = fixes(p.id).at(-1)!;
    assert.equal(last.status, 'gave_up');
    assert.match(last.message, /budget/i);
  });

  test('starts nothing for runs of agents, or when the setting is off', async () => {
    const off = f.project('fix-off', {}, 'python');
    const byAgent = f.project('fix-agent', { auto_fix: true }, 'python');
    const before = f.fake.requests.length;
    await failingRun(off);
    await failingRun(byAgent, 'agent');
    await new Promise((r) => setTimeout(r, 300));
    await autofix.idle();
    assert.equal(f.fake.requests.length, before);
    assert.deepEqual(fixes(off.id), []);
    assert.deepEqual(fixes(byAgent.id), []);
  });
});

async function waitUntil(check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting for auto-fix');
    await new Promise((r) => setTimeout(r, 25));
  }
}
