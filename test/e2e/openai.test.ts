/**
 * The OpenAI-compatible endpoint of the BUILT daemon, with the official
 * `openai` npm SDK as the client and the fake LLM server (both wire formats)
 * as the upstream: models, plain and streamed completions, the client's own
 * tools round trip with streamed argument deltas, usage, each SDK error
 * class, costs recorded per call by client type; `zeblit openai`; and, with a
 * real container, `zeblit/engineer` writing a file and running it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI, { AuthenticationError, BadRequestError, NotFoundError, RateLimitError } from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { dockerSuite, dockerUnavailableReason } from '../../src/containers/testing.ts';
import type { ConversationWithMessages } from '../../src/agents/index.ts';
import type { PageOf, Conversation, Project, UsageReport } from '../../src/contracts/index.ts';
import { FakeLlm, fakeVector } from '../../src/llm/testing/fake-llm.ts';
import type { OpenAIInfo } from '../../cli/commands/openai.ts';
import { cleanup, dataOf, request, runCli, sock, startDaemon, stopDaemon, tempHome, type DaemonProc } from './helpers.ts';
import { useAgentProject } from './project-daemon.ts';

const dockerReason = await dockerUnavailableReason(['zeblit/python:local']);

const TOOLS: ChatCompletionTool[] = [
  {
    type: 'function',
    function: { name: 'get_weather', description: 'The weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  },
];

describe('the openai SDK against zeblitd /v1 (fake upstream, both wire formats)', () => {
  let home: string;
  let daemon: DaemonProc;
  let fake: FakeLlm;
  let info: OpenAIInfo;
  let client: OpenAI;
  const env = () => ({ ANTHROPIC_API_KEY: 'sk-ant-e2e', ANTHROPIC_BASE_URL: fake.anthropicBaseUrl, OPENAI_API_KEY: 'sk-openai-e2e', OPENAI_BASE_URL: fake.openaiBaseUrl });
  const api = async <T>(method: string, path: string, json?: unknown): Promise<T> => dataOf(await request<T>(sock(daemon), { method, path: `/api/v1${path}`, json }));

  before(async () => {
    fake = await FakeLlm.start();
    home = tempHome('openai');
    daemon = await startDaemon(home, { env: env() });
    await api('PUT', '/config/llm', { max_retries: 0 });
    await api<Project>('POST', '/projects', { name: 'shop', template: 'blank' });
    const r = await runCli(home, ['openai', '--create-key', '--project', 'shop', '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    info = JSON.parse(r.stdout) as OpenAIInfo;
    assert.ok(info.key);
    client = new OpenAI({ baseURL: info.http_base_url ?? '', apiKey: info.key.key, maxRetries: 0 });
  });
  after(async () => {
    await cleanup();
    await fake.close();
  });

  it('zeblit openai: the base URLs, a key with client type openai and the default project, snippets that name them', async () => {
    assert.equal(info.http_base_url, `http://127.0.0.1:${daemon.port}/v1`);
    assert.equal(info.socket, daemon.socket);
    assert.deepEqual(info.key_required, { http: true, socket: false });
    assert.equal(info.key?.client_type, 'openai');
    assert.match(info.key?.project_id ?? '', /^prj_/);
    assert.ok(info.models.includes('zeblit/engineer'));
    assert.match(info.snippets.python, new RegExp(`base_url="${info.http_base_url}", api_key="${info.key?.key}"`));
    assert.match(info.snippets.curl, /curl --unix-socket .*zeblitd\.sock http:\/\/localhost\/v1\/models/);
    assert.match(info.snippets.aider, /aider --model openai\/anthropic\/fake-claude/);
    const human = await runCli(home, ['openai'], { env: env() });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /HTTP {4}http:\/\/127\.0\.0\.1:\d+\/v1 {3}key required/);
    assert.match(human.stdout, /── openai SDK \(Python\) ──\nfrom openai import OpenAI/);
    assert.match(human.stdout, /X-Zeblit-Project/, 'without a key that carries the project, the snippets name it');
  });

  it('models.list: the upstream models of both providers and the seven agents; models.retrieve by an id with a slash', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    for (const id of ['anthropic/fake-claude', 'openai/fake-gpt', 'zeblit/dev-manager', 'zeblit/engineer', 'zeblit/security-engineer']) assert.ok(ids.includes(id), `${id} in ${ids.join(', ')}`);
    assert.equal(ids.filter((i) => i.startsWith('zeblit/')).length, 7);
    const m = await client.models.retrieve('openai/fake-gpt');
    assert.deepEqual([m.id, m.object, m.owned_by], ['openai/fake-gpt', 'model', 'openai']);
  });

  for (const [vendor, model] of [
    ['anthropic', 'anthropic/claude-haiku-4-5'],
    ['openai', 'openai/gpt-4.1-mini'],
  ] as const) {
    it(`${vendor}: a plain and a streamed completion, usage with include_usage`, async () => {
      fake.reset();
      fake.script([{ text: 'Hello there.', usage: { input_tokens: 20, output_tokens: 3 } }, { text: 'Streamed hello, in pieces.', usage: { input_tokens: 21, output_tokens: 6 } }]);
      const plain = await client.chat.completions.create({ model, messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Say hello' }], temperature: 0.2, max_tokens: 50 });
      assert.equal(plain.choices[0]?.message.content, 'Hello there.');
      assert.equal(plain.choices[0]?.finish_reason, 'stop');
      assert.deepEqual([plain.usage?.prompt_tokens, plain.usage?.completion_tokens, plain.usage?.total_tokens], [20, 3, 23]);
      assert.equal(fake.requests[0]?.vendor, vendor);
      assert.equal(fake.requests[0]?.system, 'Be terse.');

      const stream = await client.chat.completions.create({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Stream hello' }] });
      let text = '';
      let deltas = 0;
      let usage: OpenAI.CompletionUsage | null | undefined;
      let finish: string | null = null;
      for await (const chunk of stream) {
        const c = chunk.choices[0];
        if (c?.delta.content) {
          text += c.delta.content;
          deltas++;
        }
        if (c?.finish_reason) finish = c.finish_reason;
        if (chunk.usage) usage = chunk.usage;
      }
      assert.equal(text, 'Streamed hello, in pieces.');
      assert.ok(deltas > 1, 'text arrives in several chunks');
      assert.equal(finish, 'stop');
      assert.deepEqual([usage?.prompt_tokens, usage?.completion_tokens], [21, 6]);
    });

    it(`${vendor}: the client's own tools round trip, streamed with argument deltas (parallel calls), then the tool results`, async () => {
      fake.reset();
      fake.script([
        { tool_calls: [{ name: 'get_weather', input: { city: 'Paris' } }, { name: 'get_weather', input: { city: 'Rome' } }] },
        { text: 'Paris is 18°C and Rome 24°C.' },
      ]);
      const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris and Rome?' }];
      // The SDK's own stream helper accumulates the deltas as any OpenAI client would.
      const runner = client.chat.completions.stream({ model, messages, tools: TOOLS, tool_choice: 'auto', parallel_tool_calls: true });
      let argDeltas = 0;
      runner.on('chunk', (chunk) => {
        for (const tc of chunk.choices[0]?.delta.tool_calls ?? []) if (!tc.id && tc.function?.arguments) argDeltas++;
      });
      const first = await runner.finalChatCompletion();
      assert.ok(argDeltas >= 4, `the arguments streamed in pieces (${argDeltas})`);
      const msg = first.choices[0]!.message;
      assert.equal(first.choices[0]?.finish_reason, 'tool_calls');
      const calls = (msg.tool_calls ?? []).flatMap((c) => (c.type === 'function' ? [c] : []));
      assert.deepEqual(calls.map((c) => JSON.parse(c.function.arguments) as unknown), [{ city: 'Paris' }, { city: 'Rome' }]);
      assert.ok(calls.every((c) => c.id.length > 0 && c.function.name === 'get_weather'));

      messages.push(msg as ChatCompletionMessageParam, ...calls.map((c, i): ChatCompletionMessageParam => ({ role: 'tool', tool_call_id: c.id, content: ['18°C', '24°C'][i]! })));
      const second = await client.chat.completions.create({ model, messages, tools: TOOLS });
      assert.equal(second.choices[0]?.message.content, 'Paris is 18°C and Rome 24°C.');
      // The provider saw the calls and their results paired, in its own format.
      const sent = fake.requests[1]!.messages;
      assert.deepEqual(sent.map((m) => m.role), ['user', 'assistant', 'user']);
      assert.deepEqual(sent[2]!.content.map((b) => (b.type === 'tool_result' ? b.content : b.type)), ['18°C', '24°C']);
    });
  }

  it('embeddings through the SDK (which asks for base64 and decodes it)', async () => {
    const res = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input: ['one', 'two'] });
    assert.deepEqual(res.data.map((d) => d.embedding), [fakeVector('one', 8), fakeVector('two', 8)]);
    assert.equal(fake.embeddingRequests.at(-1)?.raw.encoding_format, 'float', 'the daemon asks the provider for floats');
  });

  it('each SDK error class: AuthenticationError, NotFoundError, BadRequestError, RateLimitError (a spent budget, insufficient_quota)', async () => {
    const stranger = new OpenAI({ baseURL: info.http_base_url ?? '', apiKey: 'zbl_' + '0'.repeat(26) + '_' + 'A'.repeat(43), maxRetries: 0 });
    await assert.rejects(stranger.models.list(), (e: unknown) => e instanceof AuthenticationError && e.status === 401 && e.code === 'invalid_api_key');
    await assert.rejects(client.chat.completions.create({ model: 'nobody/knows', messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => e instanceof NotFoundError && e.code === 'model_not_found');
    await assert.rejects(client.models.retrieve('zeblit/intern'), (e: unknown) => e instanceof NotFoundError);
    await assert.rejects(client.chat.completions.create({ model: 'anthropic/claude-haiku-4-5', n: 2, messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => e instanceof BadRequestError && e.param === 'n');
    await api('PUT', '/config/llm', { budgets: { global_monthly_usd: 0 } });
    try {
      // With the SDK's default retries on: x-should-retry: false stops them, so this fails at once.
      const retrying = new OpenAI({ baseURL: info.http_base_url ?? '', apiKey: info.key?.key ?? '' });
      const before = fake.requests.length;
      const t0 = Date.now();
      await assert.rejects(
        retrying.chat.completions.create({ model: 'anthropic/claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }] }),
        (e: unknown) => e instanceof RateLimitError && e.code === 'insufficient_quota' && e.type === 'insufficient_quota' && /budget/.test(e.message),
      );
      assert.ok(Date.now() - t0 < 2_000, 'not retried');
      assert.equal(fake.requests.length, before, 'refused before the provider');
    } finally {
      await api('PUT', '/config/llm', { budgets: { global_monthly_usd: null } });
    }
  });

  it('the costs are recorded per call, under the key\'s client type', async () => {
    const report = await api<UsageReport>('GET', '/usage?group_by=client');
    const openai = report.groups.find((g) => g.key === 'openai');
    assert.ok(openai, JSON.stringify(report.groups));
    assert.ok(openai.calls >= 8, `${openai.calls} calls`);
    assert.ok(openai.cost_usd > 0);
    const byModel = await api<UsageReport>('GET', '/usage?group_by=model');
    for (const m of ['claude-haiku-4-5', 'gpt-4.1-mini', 'text-embedding-3-small']) assert.ok(byModel.groups.some((g) => g.key === m && g.cost_usd > 0), m);
  });

  it('the socket needs no key: a placeholder is accepted, as the SDKs send one', async () => {
    const r = await request(sock(daemon), { path: '/v1/models', bearer: 'unused' });
    assert.equal(r.status, 200);
    assert.ok((JSON.parse(r.text) as { data: unknown[] }).data.length >= 7);
  });
});

describe('the rate limit through the SDK', () => {
  it('RateLimitError with Retry-After', async () => {
    const home = tempHome('openai-rl');
    const d = await startDaemon(home, { env: { ZEBLIT_RATE_LIMIT_RPS: '0.1', ZEBLIT_RATE_LIMIT_BURST: '2', ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '' } });
    try {
      const key = dataOf(await request<{ key: string }>(sock(d), { method: 'POST', path: '/api/v1/auth/keys', json: { name: 'rl', client_type: 'openai' } })).key;
      const c = new OpenAI({ baseURL: `http://127.0.0.1:${d.port}/v1`, apiKey: key, maxRetries: 0 });
      await c.models.list();
      await c.models.list();
      await assert.rejects(c.models.list(), (e: unknown) => e instanceof RateLimitError && e.code === 'rate_limit_exceeded' && Number(e.headers?.get('retry-after')) >= 1);
    } finally {
      await stopDaemon(d);
    }
  });
  after(() => cleanup());
});

describe('zeblit/engineer through the SDK does real work in a container', dockerSuite(dockerReason), () => {
  const s = useAgentProject(dockerReason, 'openai-agent', 'pyshop', 'python');
  const { env } = s;

  it('writes app.py, runs it, the answer streams with the tool lines; the file exists, the turn is in chat history and continues', async () => {
    const key = dataOf(await request<{ key: string }>(sock(s.daemon), { method: 'POST', path: '/api/v1/auth/keys', json: { name: 'sdk', client_type: 'openai' } })).key;
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${s.daemon.port}/v1`, apiKey: key, maxRetries: 0, defaultHeaders: { 'X-Zeblit-Project': 'pyshop' } });
    s.fake.script([
      { text: 'Writing the script.', tool_calls: [{ name: 'write_file', input: { path: 'app.py', content: 'print(6 * 7)\n' } }] },
      { tool_calls: [{ name: 'run_command', input: { command: 'python3 app.py' } }] },
      (req) => {
        const last = req.messages.at(-1)?.content.find((b) => b.type === 'tool_result');
        return { text: `It printed ${last && last.type === 'tool_result' && last.content.includes('42') ? '42' : 'something else'}.` };
      },
    ]);
    const stream = await client.chat.completions.create({ model: 'zeblit/engineer', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Write app.py that prints 6*7 and run it' }] }, { timeout: 180_000 });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'Writing the script.\n→ write_file app.py\n→ run_command python3 app.py\nIt printed 42.');
    assert.ok((usage?.completion_tokens ?? 0) > 0 && (usage?.prompt_tokens ?? 0) > 0);

    const file = dataOf(await request<{ content: string }>(sock(s.daemon), { path: `/api/v1/projects/${s.project.id}/files/app.py` }));
    assert.equal(file.content, 'print(6 * 7)\n');
    const list = dataOf(await request<PageOf<Conversation>>(sock(s.daemon), { path: `/api/v1/projects/${s.project.id}/chat/history` }));
    assert.equal(list.items.length, 1);
    const history = await runCli(s.home, ['chat', 'history', '--project', 'pyshop', '--conversation', list.items[0]!.id], { env: env() });
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /→ engineer write_file app\.py/);
    assert.match(history.stdout, /→ engineer run_command python3 app\.py\n {2}← ok \$ python3 app\.py\n {2}It printed 42\./, 'the model read 42 in the run\'s output');

    // The client sends the history back: the same conversation goes on.
    s.fake.script([{ text: 'It prints 42.' }]);
    const again = await client.chat.completions.create({
      model: 'zeblit/engineer',
      messages: [
        { role: 'user', content: 'Write app.py that prints 6*7 and run it' },
        { role: 'assistant', content: text },
        { role: 'user', content: 'What did it print?' },
      ],
    });
    assert.equal(again.choices[0]?.message.content, 'It prints 42.');
    const one = dataOf(await request<ConversationWithMessages>(sock(s.daemon), { path: `/api/v1/projects/${s.project.id}/chat/history?conversation_id=${list.items[0]!.id}` }));
    assert.equal(one.messages.length, 4);
  });
});
