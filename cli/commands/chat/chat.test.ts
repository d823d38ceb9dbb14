/**
 * `zeblit chat` in-process on a pretend terminal, against the real app served
 * on loopback (real AgentService and LlmService, the fake LLM server behind
 * them): the interactive session, approvals answered inline, and the
 * remembered conversation.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAdaptorServer } from '@hono/node-server';
import type { AppBindings } from '../../../src/api/index.ts';
import { makeTestApp, ownerWithKey, type TestApp } from '../../../src/api/testing.ts';
import type { Project } from '../../../src/contracts/index.ts';
import { FakeLlm } from '../../../src/llm/testing/fake-llm.ts';
import { runCli } from '../../testing.ts';
import { rememberedConversation } from './state.ts';

// Readline on a terminal redraws its prompt with escape sequences: compare text without them.
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');

describe('zeblit chat on a terminal', () => {
  let t: TestApp;
  let fake: FakeLlm;
  let server: Server;
  let home: string;
  let env: Record<string, string>;
  let careful: Project;

  before(async () => {
    t = makeTestApp();
    fake = await FakeLlm.start();
    t.deps.llm.update({ max_retries: 0, providers: { anthropic: { api_key: 'sk-test', base_url: fake.anthropicBaseUrl, model: 'claude-haiku-4-5' } } });
    careful = t.deps.projects.create(t.deps.auth.users.owner().id, { name: 'careful', template: 'blank', settings: { approval: 'ask' } });
    server = createAdaptorServer({
      fetch: (req: Request, bindings: unknown) => {
        (bindings as AppBindings).transport = 'tcp';
        return t.app.fetch(req, bindings as AppBindings);
      },
    }) as Server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    home = mkdtempSync(join(tmpdir(), 'zeblit-chat-cli-'));
    env = { ZEBLIT_HOME: home, ZEBLIT_HOST: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, ZEBLIT_API_KEY: ownerWithKey(t).key };
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await fake.close();
    await t.deps.containers.close();
    t.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('a session: each line is a turn, an approval is answered inline, /new starts over, /exit leaves', async () => {
    fake.reset();
    fake.script([{ tool_calls: [{ name: 'write_file', input: { path: 'notes.txt', content: 'remember' } }] }, { text: 'Wrote notes.txt.' }, { text: 'You are welcome.' }]);
    const r = await runCli(['chat', '--project', 'careful', '--agent', 'engineer'], env, { tty: true, stdin: 'make a note\na\n/new\nthanks\n/exit\n' });
    const out = plain(r.stdout);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Talking to engineer in careful\. \/help for commands, Ctrl-D to leave\.\n/);
    assert.match(out, /→ engineer write_file notes\.txt\n\? engineer asks to write_file notes\.txt: .*\n {2}approval \w+\n/);
    assert.match(out, /← ok Created notes\.txt/);
    assert.match(out, /Wrote notes\.txt\.\nfiles: notes\.txt\n── completed/);
    assert.match(out, /You are welcome\.\n── completed/);
    assert.match(r.stderr, / {2}Approved\.\n/);
    assert.match(r.stderr, /A new conversation starts with your next message\./);
    const approvals = t.deps.agents.approvals(careful.id);
    assert.deepEqual(approvals.map((a) => a.status), ['approved']);
    const h = t.deps.agents.history(careful.id, { limit: 20, offset: 0 });
    assert.ok('conversations' in h);
    assert.deepEqual(h.conversations.map((c) => c.title), ['thanks', 'make a note']);
    // The last conversation is the one remembered.
    assert.equal(rememberedConversation(join(home, 'config.json'), careful.id), h.conversations[0]?.id);
  });

  it('one message on a terminal: the approval prompt takes "d <note>" and the agent is told', async () => {
    fake.reset();
    fake.script([{ tool_calls: [{ name: 'write_file', input: { path: 'secret.txt', content: 'x' } }] }, { text: 'Understood, not writing it.' }]);
    const r = await runCli(['chat', '--project', 'careful', '--agent', 'engineer', '--new', 'tidy up'], env, { tty: true, stdin: 'd not that file\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(plain(r.stderr), /\[a\]pprove \/ \[d\]eny/);
    assert.match(r.stderr, / {2}Denied\.\n/);
    assert.match(plain(r.stdout), /← error denied by .*: not that file\nUnderstood, not writing it\./);
    assert.match(JSON.stringify(fake.requests[1]?.messages), /not that file/);
  });

  it('a remembered conversation that is gone is forgotten, and the message goes to a new one', async () => {
    fake.reset();
    fake.script([{ text: 'Hello anew.' }]);
    writeFileSync(join(home, 'config.json'), JSON.stringify({ current_project: careful.id, chat_conversations: { [careful.id]: 'cnv_gone' }, port: 7823 }));
    const r = await runCli(['chat', 'hello?'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /conversation cnv_gone is gone; starting a new one/);
    assert.match(r.stdout, /^Hello anew\.\n── completed/);
    const now = rememberedConversation(join(home, 'config.json'), careful.id);
    assert.ok(now && now !== 'cnv_gone');
  });

  it('refuses contradictory options and an empty message', async () => {
    const both = await runCli(['chat', '--new', '--conversation', 'cnv_x', 'hi'], env);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--new and --conversation contradict each other/);
    const empty = await runCli(['chat'], env, { stdin: '  \n' });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /No message: pass one/);
  });
});
