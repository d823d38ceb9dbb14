import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Analysis, Project } from '../../contracts/index.ts';
import { FakeLlm } from '../../llm/testing/fake-llm.ts';
import { dataOf, errorOf, makeTestApp, ownerWithKey, type TestApp } from '../testing.ts';

const TRACEBACK = ['Traceback (most recent call last):', '  File "/workspace/app.py", line 3, in <module>', '    print(totl)', "NameError: name 'totl' is not defined", ''].join('\n');

describe('console analyze with ai: true', () => {
  let t: TestApp;
  let fake: FakeLlm;
  let key: string;
  let broken: Project;
  let clean: Project;
  const analyze = (p: Project, json: unknown) => t.request(`/api/v1/projects/${p.id}/console/analyze`, { method: 'POST', json, token: key });

  before(async () => {
    t = makeTestApp();
    fake = await FakeLlm.start();
    key = ownerWithKey(t).key;
    const owner = t.deps.auth.users.owner().id;
    broken = t.deps.projects.create(owner, { name: 'broken', template: 'python' });
    clean = t.deps.projects.create(owner, { name: 'clean', template: 'python' });
    t.deps.console.capture.write({ projectId: broken.id, runId: null, source: 'exec', stream: 'stderr', data: TRACEBACK });
    t.deps.console.flush();
    await new Promise((r) => setTimeout(r, 150));
    t.deps.console.errors.flushAll();
  });
  after(async () => {
    await fake.close();
    await t.deps.containers.close();
    t.close();
  });

  it('without a provider: 503 LLM_NOT_CONFIGURED naming what to set', async () => {
    const err = await errorOf(await analyze(broken, { ai: true }), 503, 'LLM_NOT_CONFIGURED');
    assert.match(err.suggestion ?? '', /ANTHROPIC_API_KEY/);
    // Without ai the rule-based analysis still answers.
    const plain = await dataOf<Analysis>(await analyze(broken, {}));
    assert.equal(plain.groups[0]?.type, 'python.NameError');
    assert.equal(plain.ai_explanation, null);
  });

  it("adds the Engineer's explanation of the groups, with its tokens and cost", async () => {
    t.deps.llm.update({ max_retries: 0, providers: { anthropic: { api_key: 'sk-test', base_url: fake.anthropicBaseUrl, model: 'claude-haiku-4-5' } } });
    fake.script([{ text: '`totl` is a typo of `total` on line 3 of app.py: rename it.', usage: { input_tokens: 1000, output_tokens: 100 } }]);
    const a = await dataOf<Analysis>(await analyze(broken, { ai: true }));
    assert.equal(a.ai_explanation, '`totl` is a typo of `total` on line 3 of app.py: rename it.');
    assert.equal(a.ai_usage?.input_tokens, 1000);
    assert.equal(a.ai_usage?.output_tokens, 100);
    assert.ok((a.ai_usage?.cost_usd ?? 0) > 0);
    const asked = fake.requests.at(-1)!;
    assert.deepEqual(asked.tools, []);
    const text = asked.messages[0]?.content.find((b) => b.type === 'text');
    assert.match(text && text.type === 'text' ? text.text : '', /NameError: name 'totl' is not defined[\s\S]*app\.py:3/);
  });

  it('makes no model call when there is nothing to explain', async () => {
    const before = fake.requests.length;
    const a = await dataOf<Analysis>(await analyze(clean, { ai: true }));
    assert.deepEqual(a.groups, []);
    assert.equal(a.ai_explanation, null);
    assert.equal(fake.requests.length, before);
  });
});
