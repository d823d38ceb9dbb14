/** POST /v1/embeddings through the real app, with the fake LLM server as the upstream. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EmbeddingResponse } from '../../contracts/index.ts';
import { fakeVector } from '../../llm/testing/fake-llm.ts';
import { addUser, makeTestApp } from '../testing.ts';
import { oaiError, startUpstream } from './testing.ts';

const { configure } = await startUpstream();

describe('embeddings', () => {
  test('openai: floats, or base64 of float32 as the SDKs ask; the call recorded', async () => {
    const t = makeTestApp();
    try {
      configure(t, 'openai');
      const u = addUser(t, 'u', { client_type: 'openai' });
      const floats = (await (await t.request('/v1/embeddings', { method: 'POST', token: u.key, json: { model: 'text-embedding-3-small', input: ['a b', 'c'], dimensions: 4 } })).json()) as EmbeddingResponse;
      assert.deepEqual(floats.data.map((d) => d.embedding), [fakeVector('a b', 4), fakeVector('c', 4)]);
      assert.equal(floats.model, 'openai/text-embedding-3-small');
      assert.deepEqual(floats.usage, { prompt_tokens: 2, total_tokens: 2 });
      const b64 = (await (await t.request('/v1/embeddings', { method: 'POST', token: u.key, json: { model: 'openai/text-embedding-3-small', input: 'a b', encoding_format: 'base64' } })).json()) as EmbeddingResponse;
      const bytes = Buffer.from(b64.data[0]!.embedding as string, 'base64');
      assert.deepEqual(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)), fakeVector('a b', 8));
      assert.equal(t.deps.llm.calls.recent(1)[0]!.key_id, u.keyId);
    } finally {
      t.close();
    }
  });

  test('with Anthropic only, or an agent: 404 naming the reason', async () => {
    const t = makeTestApp();
    try {
      configure(t, 'anthropic');
      const u = addUser(t, 'u');
      const e = await oaiError(await t.request('/v1/embeddings', { method: 'POST', token: u.key, json: { model: 'text-embedding-3-small', input: 'x' } }), 404, 'invalid_request_error', 'model_not_found');
      assert.match(e.message, /neither the openai provider nor a compatible server is configured/);
      assert.match((await oaiError(await t.request('/v1/embeddings', { method: 'POST', token: u.key, json: { model: 'anthropic/claude-haiku-4-5', input: 'x' } }), 404, 'invalid_request_error', 'model_not_found')).message, /Anthropic has no embeddings/);
      assert.match((await oaiError(await t.request('/v1/embeddings', { method: 'POST', token: u.key, json: { model: 'zeblit/engineer', input: 'x' } }), 404, 'invalid_request_error', 'model_not_found')).message, /agents do not make embeddings/);
    } finally {
      t.close();
    }
  });
});
