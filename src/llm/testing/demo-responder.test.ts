import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LlmMessage } from '../types.ts';
import { demoResponder } from './demo-responder.ts';
import type { FakeRequest } from './fake-reply.ts';

const TOOLS = ['list_files', 'read_file', 'write_file', 'edit_file', 'delete_file', 'search', 'run_command', 'read_console', 'delegate', 'finish'];
const req = (messages: LlmMessage[], tools = TOOLS): FakeRequest => ({ vendor: 'anthropic', model: 'm', system: '', messages, tools, stream: true, max_tokens: 100, headers: {}, api_key: null, raw: {}, path: '/v1/messages', connection: 1 });

describe('demoResponder', () => {
  it('writes, runs and finishes "write hello.py", one tool per turn', () => {
    const messages: LlmMessage[] = [{ role: 'user', content: [{ type: 'text', text: 'write hello.py please' }] }];
    const names: string[] = [];
    for (let turn = 0; turn < 5; turn++) {
      const reply = demoResponder(req(messages));
      const call = reply.tool_calls?.[0];
      if (!call) break;
      names.push(call.name);
      if (call.name === 'write_file') assert.deepEqual(call.input, { path: 'hello.py', content: 'print("Hello, world!")\n' });
      const id = `t${turn}`;
      messages.push({ role: 'assistant', content: [{ type: 'tool_use', id, name: call.name, input: call.input }] });
      messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: call.name === 'run_command' ? 'Hello, world!' : 'ok' }] });
    }
    assert.deepEqual(names, ['write_file', 'run_command', 'finish']);
    assert.deepEqual(demoResponder(req(messages)), { text: 'Done.' });
  });

  it('delegates to the engineer when it lacks the tools but may delegate', () => {
    const r = demoResponder(req([{ role: 'user', content: [{ type: 'text', text: 'write hello.py' }] }], ['list_files', 'read_file', 'delegate', 'finish']));
    assert.deepEqual(r.tool_calls, [{ name: 'delegate', input: { agent: 'engineer', task: 'write hello.py' } }]);
  });

  it('answers in text without tools, and never calls a tool it was not offered', () => {
    assert.match(demoResponder(req([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], [])).text!, /hi/);
    const r = demoResponder(req([{ role: 'user', content: [{ type: 'text', text: 'write a.py' }] }], ['read_file']));
    assert.equal(r.tool_calls, undefined);
  });
});
