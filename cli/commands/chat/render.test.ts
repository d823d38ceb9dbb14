import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatResponse, ChatStreamRecord } from '../../../src/contracts/index.ts';
import { SseParser, type SseMessage } from '../../../src/client/index.ts';
import { ChatView, exitCodeOfTurn, footer, toolTarget } from './render.ts';
import { interpretLine, type SessionState } from './session.ts';

const response = (over: Partial<ChatResponse> = {}): ChatResponse => ({
  conversation_id: 'cnv_1',
  message_id: 'msg_1',
  agent: 'dev_manager',
  status: 'completed',
  answer: 'All done.',
  steps: [],
  files_changed: ['app.py'],
  runs: ['run_1'],
  usage: { input_tokens: 1234, output_tokens: 56, cache_read_tokens: 0, cache_write_tokens: 0, calls: 2, cost_usd: 0.0123 },
  error: null,
  git: null,
  ...over,
});

function render(records: ChatStreamRecord[]): string {
  let out = '';
  const view = new ChatView({ color: false, write: (s) => (out += s) });
  for (const r of records) view.record(r);
  return out;
}

describe('chat rendering', () => {
  it('says what became of the turn in git: the commit, or why there is none (only when files changed)', () => {
    const committed = render([{ type: 'done', response: response({ git: { commit: '0123456789abcdef0123456789abcdef01234567', note: null } }) }]);
    assert.match(committed, /git: committed 0123456/);
    const refused = render([{ type: 'done', response: response({ git: { commit: null, note: 'a rebase is in progress' } }) }]);
    assert.match(refused, /git: no commit: a rebase is in progress/);
    const nothing = render([{ type: 'done', response: response({ files_changed: [], git: { commit: null, note: 'the turn changed no files' } }) }]);
    assert.doesNotMatch(nothing, /git:/);
  });

  it('shows text as it streams, tool calls as compact lines, run output indented, and a footer', () => {
    const out = render([
      { type: 'start', conversation_id: 'cnv_1', message_id: 'msg_1', agent: 'dev_manager' },
      { type: 'status', agent: 'dev_manager', status: 'working', message: null },
      { type: 'text', agent: 'dev_manager', delta: 'Let me ' },
      { type: 'text', agent: 'dev_manager', delta: 'hand this over.' },
      { type: 'tool_call', agent: 'dev_manager', call_id: 'c1', tool: 'delegate', input: { agent: 'engineer', task: 'write app.py' } },
      { type: 'text', agent: 'engineer', delta: 'Writing.' },
      { type: 'tool_call', agent: 'engineer', call_id: 'c2', tool: 'write_file', input: { path: 'app.py', content: 'print(1)' } },
      { type: 'tool_result', agent: 'engineer', call_id: 'c2', tool: 'write_file', ok: true, output: 'Wrote app.py: 8 B, 1 line(s) (version 1).' },
      { type: 'tool_call', agent: 'engineer', call_id: 'c3', tool: 'run_command', input: { command: 'python app.py' } },
      { type: 'run_output', run_id: 'run_1', stream: 'stdout', data: '1\npart' },
      { type: 'run_output', run_id: 'run_1', stream: 'stdout', data: 'ial\n' },
      { type: 'tool_result', agent: 'engineer', call_id: 'c3', tool: 'run_command', ok: false, output: 'exit code 1\nTraceback…' },
      { type: 'tool_result', agent: 'dev_manager', call_id: 'c1', tool: 'delegate', ok: true, output: 'done' },
      { type: 'text', agent: 'dev_manager', delta: 'All done.' },
      { type: 'done', response: response() },
    ]);
    assert.equal(
      out,
      [
        'Let me hand this over.',
        '→ dev_manager delegate engineer "write app.py"',
        'engineer:',
        'Writing.',
        '→ engineer write_file app.py',
        '← ok Wrote app.py: 8 B, 1 line(s) (version 1).',
        '→ engineer run_command python app.py',
        '    │ 1',
        '    │ partial',
        '← error exit code 1',
        '← ok done',
        'All done.',
        'files: app.py',
        '── completed · 1,234 in / 56 out tokens · $0.01 · 2 calls · 1 file changed · 1 run · cnv_1',
        '',
      ].join('\n'),
    );
  });

  it('prints the answer when no text streamed, approvals with their id, and errors with the hint', () => {
    const out = render([
      { type: 'start', conversation_id: 'cnv_1', message_id: 'msg_1', agent: 'engineer' },
      { type: 'approval_needed', approval_id: 'apr_1', agent: 'engineer', tool: 'run_command', input: { command: 'rm -rf build' }, reason: 'runs a command', expires_at: 0 },
      { type: 'done', response: response({ status: 'cancelled', answer: 'Cancelled.', files_changed: [], runs: [] }) },
      { type: 'error', code: 'UNAVAILABLE', message: 'gone', suggestion: 'try again' },
    ]);
    assert.match(out, /^\? engineer asks to run_command rm -rf build: runs a command\n {2}approval apr_1\nCancelled\.\n── cancelled · /);
    assert.match(out, /✖ UNAVAILABLE: gone\n {2}try again\n$/);
  });

  it('picks what to show of a tool input and the exit code of a turn', () => {
    assert.equal(toolTarget('read_file', { path: 'a/b.py' }), 'a/b.py');
    assert.equal(toolTarget('search', { query: 'TODO' }), 'TODO');
    assert.equal(toolTarget('finish', { summary: 'x' }), '');
    assert.equal(toolTarget('run_command', { command: `echo ${'x'.repeat(200)}` }).length, 80);
    assert.equal(toolTarget('something_new', { a: 1, b: 'two' }), 'two');
    assert.deepEqual(['completed', 'cancelled', 'failed', 'step_limit', 'cost_limit'].map((s) => exitCodeOfTurn(s as ChatResponse['status'])), [0, 130, 1, 1, 1]);
    assert.match(footer(response({ usage: { ...response().usage, cost_usd: 0 } })), / \$0 /);
  });
});

describe('chat session lines', () => {
  it('understands /new, /agent, /exit and plain messages', () => {
    const s: SessionState = { conversationId: 'cnv_1', agent: undefined };
    assert.deepEqual(interpretLine('  hello there ', s), { kind: 'say', message: 'hello there' });
    assert.deepEqual(interpretLine('', s), { kind: 'none' });
    assert.equal(interpretLine('/new', s).kind, 'note');
    assert.equal(s.conversationId, undefined);
    interpretLine('/agent engineer', s);
    assert.equal(s.agent, 'engineer');
    assert.match((interpretLine('/agent wizard', s) as { text: string }).text, /No agent named "wizard"/);
    assert.equal(s.agent, 'engineer');
    interpretLine('/agent', s);
    assert.equal(s.agent, undefined);
    assert.deepEqual(interpretLine('/exit', s), { kind: 'exit' });
    assert.match((interpretLine('/bogus', s) as { text: string }).text, /Unknown command \/bogus/);
  });
});

describe('SSE parsing', () => {
  it('splits events across chunk boundaries, joins data lines, skips comments, accepts CRLF', () => {
    const got: SseMessage[] = [];
    const p = new SseParser((m) => got.push(m));
    p.push('event: start\ndata: {"a"');
    p.push(':1}\n\n: keep-alive\n\nevent: text\r\ndata: line1\r\ndata: line2\r\n\r\n');
    p.push('data: no event name');
    p.end();
    assert.deepEqual(got, [
      { event: 'start', data: '{"a":1}' },
      { event: 'text', data: 'line1\nline2' },
      { event: 'message', data: 'no event name' },
    ]);
  });
});
