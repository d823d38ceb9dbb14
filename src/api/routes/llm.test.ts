import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { LlmConfigView, PageOf, AuditEntry, Project, UsageReport } from '../../contracts/index.ts';
import { FakeLlm } from '../../llm/testing/fake-llm.ts';
import { addUser, dataOf, errorOf, makeTestApp, ownerWithKey, type TestApp, type TestUser } from '../testing.ts';

const SECRET = 'sk-ant-api03-ROUTE-TEST-SECRET-9f3a';

describe('/api/v1/config/llm and /api/v1/usage', () => {
  let t: TestApp;
  let owner: TestUser;
  let fay: TestUser;
  let fake: FakeLlm;
  before(async () => {
    fake = await FakeLlm.start();
    t = makeTestApp();
    owner = ownerWithKey(t);
    fay = addUser(t, 'fay');
  });
  after(async () => {
    t.close();
    await fake.close();
  });

  test('GET shows the defaults; nothing is usable without a key', async () => {
    const v = await dataOf<LlmConfigView>(await t.request('/api/v1/config/llm', { token: fay.key }));
    assert.deepEqual(v.order, ['anthropic', 'openai', 'compatible']);
    assert.ok(v.providers.every((p) => !p.usable && !p.key_set));
    assert.equal(v.prices['gpt-4.1']?.output, 8);
  });

  test('PUT stores a key sealed; responses, the audit log and the database never show it', async () => {
    const res = await t.request('/api/v1/config/llm', {
      method: 'PUT',
      token: owner.key,
      json: { providers: { anthropic: { api_key: SECRET, base_url: fake.anthropicBaseUrl } }, budgets: { global_monthly_usd: 10 } },
    });
    const text = await res.clone().text();
    const v = await dataOf<LlmConfigView>(res);
    assert.ok(!text.includes(SECRET) && !text.includes(SECRET.slice(0, -4)));
    const a = v.providers.find((p) => p.name === 'anthropic')!;
    assert.deepEqual([a.key_set, a.key_source, a.key_hint, a.usable, a.effective_base_url], [true, 'config', '…9f3a', true, fake.anthropicBaseUrl]);
    assert.equal(v.budgets.global_monthly_usd, 10);

    const get = await (await t.request('/api/v1/config/llm', { transport: 'unix' })).text();
    assert.ok(!get.includes(SECRET));
    const audit = await dataOf<PageOf<AuditEntry>>(await t.request('/api/v1/audit?limit=500', { transport: 'unix' }));
    const entry = audit.items.find((e) => e.action === 'PUT /api/v1/config/llm');
    assert.equal(entry?.status, 200);
    assert.equal(entry?.resource, 'config/llm');
    assert.ok(!JSON.stringify(audit).includes(SECRET));

    t.deps.database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const db = t.deps.paths.db;
    for (const f of [db, `${db}-wal`]) if (existsSync(f)) assert.ok(!readFileSync(f).includes(SECRET), `${f} holds the key in clear`);

    // And the key works: the service calls the fake with it.
    fake.script([{ text: 'ok', usage: { input_tokens: 10, output_tokens: 10 } }], 'anthropic');
    await t.deps.llm.complete({ system: '', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], tools: [], meta: { project_id: null, agent: null, conversation_id: null } });
    assert.equal(fake.requests.at(-1)?.api_key, SECRET);
  });

  test('PUT is for admins only', async () => {
    await errorOf(await t.request('/api/v1/config/llm', { method: 'PUT', token: fay.key, json: { max_retries: 1 } }), 403, 'FORBIDDEN');
  });

  test('bad input is a 400 with the field: URL, provider, budget, agent, empty body', async () => {
    const put = (json: unknown) => t.request('/api/v1/config/llm', { method: 'PUT', transport: 'unix', json });
    const fields = async (json: unknown) => ((await errorOf(await put(json), 400, 'VALIDATION_FAILED')).details as Array<{ field: string; message: string }>);
    assert.equal((await fields({ providers: { openai: { base_url: 'not a url' } } }))[0]?.field, 'body.providers.openai.base_url');
    assert.match(JSON.stringify(await fields({ providers: { mistral: { api_key: 'x' } } })), /mistral/);
    assert.equal((await fields({ budgets: { global_monthly_usd: -5 } }))[0]?.field, 'body.budgets.global_monthly_usd');
    const agent = await fields({ agent_models: { wizard: 'gpt-4.1' } });
    assert.equal(agent[0]?.field, 'body.agent_models.wizard');
    assert.match(agent[0]?.message ?? '', /engineer/);
    assert.equal((await fields({ order: ['openai', 'openai'] }))[0]?.field, 'body.order');
    await errorOf(await put({}), 400, 'VALIDATION_FAILED');
  });

  test('GET /usage: groups, a project by name with its budget, the caller’s projects only', async () => {
    const project = await dataOf<Project>(await t.request('/api/v1/projects', { method: 'POST', transport: 'unix', json: { name: 'shop', settings: { monthly_budget_usd: 5 } } }), 201);
    fake.script([{ text: 'ok', usage: { input_tokens: 1_000_000, output_tokens: 0 } }], 'anthropic');
    await t.deps.llm.complete({ system: '', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], tools: [], meta: { project_id: project.id, agent: 'engineer', conversation_id: null } });

    const all = await dataOf<UsageReport>(await t.request('/api/v1/usage?group_by=project', { transport: 'unix' }));
    assert.equal(all.totals.calls, 2);
    const shop = all.groups.find((g) => g.key === project.id);
    assert.deepEqual([shop?.label, shop?.cost_usd], ['shop', 3]);

    const one = await dataOf<UsageReport>(await t.request('/api/v1/usage?project=shop&group_by=agent', { transport: 'unix' }));
    assert.deepEqual(one.groups.map((g) => [g.key, g.calls]), [['engineer', 1]]);
    // The first test's call cost (10×3 + 10×15)/1e6; this one 1e6×3/1e6.
    assert.deepEqual(one.budgets.map((b) => [b.scope, b.limit_usd, b.spent_usd, b.remaining_usd]), [['global', 10, 3.00018, 6.99982], ['project', 5, 3, 2]]);

    // Fay has no projects: she sees nothing, and the owner's project is not found for her.
    const hers = await dataOf<UsageReport>(await t.request('/api/v1/usage', { token: fay.key }));
    assert.equal(hers.totals.calls, 0);
    await errorOf(await t.request('/api/v1/usage?project=shop', { token: fay.key }), 404, 'NOT_FOUND');
    await errorOf(await t.request('/api/v1/usage?group_by=week', { transport: 'unix' }), 400, 'VALIDATION_FAILED');
  });

  test('POST /config/llm/check asks each enabled provider for one token; skips the unconfigured; admins only; records the calls', async () => {
    await errorOf(await t.request('/api/v1/config/llm/check', { method: 'POST', token: fay.key }), 403, 'FORBIDDEN');
    fake.script([{ text: 'pong', usage: { input_tokens: 12, output_tokens: 1 } }], 'anthropic');
    const before = (await dataOf<UsageReport>(await t.request('/api/v1/usage?group_by=agent', { transport: 'unix' }))).groups.find((g) => g.key === 'doctor')?.calls ?? 0;
    const r = await dataOf<{ providers: Array<{ provider: string; ok: boolean; skipped: string | null; error: string | null; model: string | null }> }>(
      await t.request('/api/v1/config/llm/check', { method: 'POST', transport: 'unix' }),
    );
    const by = new Map(r.providers.map((p) => [p.provider, p]));
    assert.equal(by.get('anthropic')?.ok, true, JSON.stringify(r));
    assert.equal(fake.requests.at(-1)?.max_tokens, 1, 'one token asked');
    assert.equal(by.get('openai')?.ok, false);
    assert.match(by.get('openai')?.skipped ?? '', /key/i);
    const after = (await dataOf<UsageReport>(await t.request('/api/v1/usage?group_by=agent', { transport: 'unix' }))).groups.find((g) => g.key === 'doctor')?.calls ?? 0;
    assert.equal(after, before + 1, 'the call is recorded, as agent "doctor"');

    // A key the vendor refuses: ok false, with what the vendor said (and no retries).
    fake.script([{ error: { status: 401, message: 'invalid x-api-key' } }], 'anthropic');
    const asked = fake.requests.length;
    const bad = await dataOf<{ providers: Array<{ provider: string; ok: boolean; error: string | null }> }>(await t.request('/api/v1/config/llm/check', { method: 'POST', transport: 'unix' }));
    const a = bad.providers.find((p) => p.provider === 'anthropic');
    assert.equal(a?.ok, false);
    assert.match(a?.error ?? '', /401|refused|invalid/i);
    assert.equal(fake.requests.length, asked + 1);
  });
});
