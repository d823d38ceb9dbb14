/** GET /v1/models through the real app: the provider's models, then the agents. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { OpenAIModelList } from '../../contracts/index.ts';
import { addUser, makeTestApp } from '../testing.ts';
import { oaiError, startUpstream } from './testing.ts';

const { configure } = await startUpstream();

describe('models', () => {
  const t = makeTestApp();
  after(() => t.close());
  const u = addUser(t, 'u');
  configure(t, 'anthropic');

  test("the provider's own list as provider/model, then the seven agents as zeblit/<agent>", async () => {
    const res = await t.request('/v1/models', { token: u.key });
    const list = (await res.json()) as OpenAIModelList;
    assert.equal(list.object, 'list');
    assert.deepEqual(
      list.data.map((m) => `${m.id} ${m.owned_by}`),
      [
        'anthropic/fake-claude anthropic',
        'anthropic/fake-gpt anthropic',
        ...['dev-manager', 'product-manager', 'architect', 'engineer', 'data-analyst', 'platform-engineer', 'security-engineer'].map((a) => `zeblit/${a} zeblit`),
      ],
    );
    assert.ok(list.data.every((m) => m.object === 'model' && Number.isInteger(m.created)));
  });

  test('one model by id, its slash sent as is or encoded; an unknown one is 404', async () => {
    for (const path of ['/v1/models/anthropic/fake-claude', '/v1/models/anthropic%2Ffake-claude']) {
      const m = (await (await t.request(path, { token: u.key })).json()) as { id: string };
      assert.equal(m.id, 'anthropic/fake-claude');
    }
    assert.equal(((await (await t.request('/v1/models/zeblit/dev-manager', { token: u.key })).json()) as { id: string }).id, 'zeblit/dev-manager');
    await oaiError(await t.request('/v1/models/anthropic/nope', { token: u.key }), 404, 'invalid_request_error', 'model_not_found');
    // A broken percent escape (found by proof 1's fuzzer: it was a 500).
    await oaiError(await t.request('/v1/models/%E0%A4%A', { token: u.key }), 404, 'invalid_request_error', 'model_not_found');
  });
});
