/**
 * What the tests of the OpenAI-compatible API share: the fake LLM server as
 * the upstream in both wire formats, the call of /v1/chat/completions, and
 * readers of OpenAI's error and SSE shapes.
 */
import assert from 'node:assert/strict';
import type { ChatCompletionChunk, OpenAIErrorBody } from '../../contracts/index.ts';
import type { FakeLlm } from '../../llm/testing/fake-llm.ts';
import { useFakeLlm } from '../../llm/testing/use-fake-llm.ts';
import type { TestApp } from '../testing.ts';

export interface Upstream {
  fake: FakeLlm;
  /** Makes `vendor` the app's one provider, served by the fake. */
  configure(t: TestApp, vendor: 'anthropic' | 'openai'): void;
}

/**
 * The fake LLM for a test file's suites: reset after each test, closed after
 * the file. Awaited before the suites are defined: their bodies configure
 * providers with its address.
 */
export async function startUpstream(): Promise<Upstream> {
  const fake = await useFakeLlm();
  const configure = (t: TestApp, vendor: 'anthropic' | 'openai'): void => {
    const key = vendor === 'anthropic' ? 'sk-ant-test' : 'sk-openai-test';
    t.deps.llm.update({ max_retries: 0, order: [vendor], providers: { [vendor]: { api_key: key, base_url: vendor === 'anthropic' ? fake.anthropicBaseUrl : fake.openaiBaseUrl, model: vendor === 'anthropic' ? 'claude-haiku-4-5' : 'gpt-4.1-mini' } } });
  };
  return { fake, configure };
}

/** The body of an OpenAI error, after checking the status, the shape (never the envelope) and type/code. */
export async function oaiError(res: Response, status: number, type: string, code: string | null): Promise<OpenAIErrorBody['error']> {
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(res.status, status, JSON.stringify(body));
  assert.deepEqual(Object.keys(body), ['error'], 'OpenAI shape, not the envelope');
  const e = body.error as OpenAIErrorBody['error'];
  assert.deepEqual(Object.keys(e).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(e.type, type);
  assert.equal(e.code, code);
  assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
  return e;
}

/** The data chunks of an SSE response (and whether it ended with [DONE]). */
export async function sse(res: Response): Promise<{ chunks: ChatCompletionChunk[]; done: boolean; errors: OpenAIErrorBody[] }> {
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const text = await res.text();
  const chunks: ChatCompletionChunk[] = [];
  const errors: OpenAIErrorBody[] = [];
  let done = false;
  for (const block of text.split('\n\n')) {
    const data = block.split('\n').find((l) => l.startsWith('data: '))?.slice(6);
    if (!data) continue;
    if (data === '[DONE]') done = true;
    else {
      const parsed = JSON.parse(data) as ChatCompletionChunk | OpenAIErrorBody;
      if ('error' in parsed) errors.push(parsed);
      else chunks.push(parsed);
    }
  }
  return { chunks, done, errors };
}

export const chat = (t: TestApp, token: string | undefined, body: unknown, headers: Record<string, string> = {}) => t.request('/v1/chat/completions', { method: 'POST', token, json: body, headers });
