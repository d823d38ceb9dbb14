/**
 * The built CLI against a real daemon whose LLM provider is the fake LLM
 * server of this process (ANTHROPIC_BASE_URL): `zeblit chat` streams a turn
 * and remembers the conversation, `--json`, `zeblit agents`, `zeblit chat
 * history`, approvals decided with `zeblit approve` / `zeblit deny` while a
 * chat waits, and Ctrl-C (SIGINT) cancelling a turn.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dockerSuite, dockerUnavailableReason } from '../../src/containers/testing.ts';
import type { AgentDefinition, AgentStatus, Approval, ChatResponse, Conversation, PageOf, Project } from '../../src/contracts/index.ts';
import { FakeLlm } from '../../src/llm/testing/fake-llm.ts';
import { cleanup, CLI_JS, type DaemonProc, dataOf, ok, request, runCli, sock, startDaemon, tempHome, waitFor } from './helpers.ts';
import { useAgentProject } from './project-daemon.ts';

const dockerReason = await dockerUnavailableReason();

/** A CLI process the test can watch and signal while it runs. */
interface LiveCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

describe('zeblit chat, agents, history, approvals against a real daemon', () => {
  let home: string;
  let daemon: DaemonProc;
  let fake: FakeLlm;
  let project: Project;
  let careful: Project;
  const live: ChildProcess[] = [];
  // The machine's own keys must not reach the test's daemon: only the fake answers.
  const env = () => ({ ANTHROPIC_API_KEY: 'sk-e2e-fake', ANTHROPIC_BASE_URL: fake.anthropicBaseUrl, OPENAI_API_KEY: '', OPENAI_BASE_URL: '' });
  const cli = (args: string[], timeoutMs = 60_000) => runCli(home, args, { env: env(), timeoutMs });

  function spawnCli(args: string[]): LiveCli {
    const childEnv: NodeJS.ProcessEnv = { ...process.env };
    for (const name of ['ZEBLIT_HOST', 'ZEBLIT_API_KEY', 'ZEBLIT_SOCKET', 'ZEBLIT_NO_AUTOSTART']) delete childEnv[name];
    const child = spawn(process.execPath, [CLI_JS, ...args], { env: { ...childEnv, ...env(), ZEBLIT_HOME: home, HOME: home, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin?.end();
    live.push(child);
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    return { child, stdout: () => out, stderr: () => err, exited };
  }

  const api = async <T>(method: string, path: string, json?: unknown): Promise<T> => dataOf(await request<T>(sock(daemon), { method, path: `/api/v1${path}`, json }));
  const remembered = (): Record<string, string> => (JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as { chat_conversations?: Record<string, string> }).chat_conversations ?? {};

  before(async () => {
    fake = await FakeLlm.start();
    home = tempHome('agents');
    daemon = await startDaemon(home, { env: env() });
    await api('PUT', '/config/llm', { max_retries: 0, providers: { anthropic: { model: 'claude-haiku-4-5' } } });
    project = await api<Project>('POST', '/projects', { name: 'chat-demo', template: 'blank' });
    careful = await api<Project>('POST', '/projects', { name: 'careful', template: 'blank', settings: { approval: 'ask' } });
    ok(await cli(['use', 'chat-demo']), 'use');
  });
  after(async () => {
    for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await cleanup();
    await fake.close();
  });

  it('zeblit agents lists the seven; --status says who works where', async () => {
    const r = ok(await cli(['agents']), 'agents');
    for (const name of ['dev_manager *', 'product_manager', 'architect', 'engineer', 'data_analyst', 'platform_engineer', 'security_engineer']) assert.ok(r.stdout.includes(name), `${name} in\n${r.stdout}`);
    const defs = JSON.parse(ok(await cli(['agents', '--json']), 'agents --json').stdout) as AgentDefinition[];
    assert.equal(defs.length, 7);
    const status = JSON.parse(ok(await cli(['agents', '--status', '--json']), 'agents --status').stdout) as AgentStatus[];
    assert.ok(status.every((s) => s.status === 'idle'));
    assert.match(ok(await cli(['agents', '--status']), 'agents --status').stdout, /CALLS TODAY\s+COST TODAY/);
  });

  it('zeblit chat streams the turn: text, tool lines, the footer; exits 0 and remembers the conversation', async () => {
    fake.reset();
    fake.script([{ text: 'On it.', tool_calls: [{ name: 'write_file', input: { path: 'hello.py', content: 'print("hello")\n' } }] }, { text: 'Wrote hello.py.' }]);
    const r = ok(await cli(['chat', '--agent', 'engineer', 'Write hello.py that prints hello']), 'chat');
    assert.match(r.stdout, /^On it\.\n→ engineer write_file hello\.py\n← ok Created hello\.py: .*\nWrote hello\.py\.\nfiles: hello\.py\n── completed · \d[\d,]* in \/ \d[\d,]* out tokens · \$[\d.]+ · 2 calls · 1 file changed · cnv_\w+\n$/);
    const conversation = /(cnv_\w+)\n$/.exec(r.stdout)?.[1];
    assert.ok(conversation);
    assert.equal(remembered()[project.id], conversation);
    const file = await api<{ content: string }>('GET', `/projects/${project.id}/files/hello.py`);
    assert.equal(file.content, 'print("hello")\n');

    // The next chat continues it: the model sees the first exchange.
    fake.reset();
    fake.script([{ text: 'It prints hello.' }]);
    const again = ok(await cli(['chat', 'What does it print?']), 'chat again');
    assert.match(again.stdout, new RegExp(`It prints hello\\.\\n── completed .* ${conversation}\\n$`));
    assert.match(JSON.stringify(fake.requests[0]?.messages), /Wrote hello\.py/);

    // --new starts over, and is remembered instead.
    fake.reset();
    fake.script([{ text: 'Fresh start.' }]);
    const fresh = ok(await cli(['chat', '--new', 'Hello again']), 'chat --new');
    const next = /(cnv_\w+)\n$/.exec(fresh.stdout)?.[1];
    assert.ok(next && next !== conversation);
    assert.equal(remembered()[project.id], next);
    assert.equal(fake.requests[0]?.messages.length, 1, 'a new conversation has no history');
  });

  it('zeblit chat --json prints only the ChatResponse; a message can come on stdin', async () => {
    fake.reset();
    fake.script([{ text: 'Forty-two.' }]);
    const r = ok(await cli(['chat', '--json', 'The answer?']), 'chat --json');
    const res = JSON.parse(r.stdout) as ChatResponse;
    assert.equal(res.status, 'completed');
    assert.equal(res.answer, 'Forty-two.');
    assert.equal(res.agent, 'dev_manager');
    fake.reset();
    fake.script([{ text: 'Read from stdin.' }]);
    const piped = ok(await runCli(home, ['chat', '--json'], { env: env(), input: 'a question on stdin\n' }), 'chat < stdin');
    assert.equal((JSON.parse(piped.stdout) as ChatResponse).answer, 'Read from stdin.');
    assert.match(JSON.stringify(fake.requests[0]?.messages), /a question on stdin/);
  });

  it('zeblit chat without a provider fails with the code and how to configure one', async () => {
    const bare = tempHome('agents-bare');
    const r = await runCli(bare, ['chat', '--project', 'x', 'hi'], { env: { ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '', ANTHROPIC_BASE_URL: '', OPENAI_BASE_URL: '' }, timeoutMs: 60_000 });
    // No such project there: the project is checked first.
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error \[NOT_FOUND\]/);
    ok(await runCli(bare, ['create', 'p', '--template', 'blank'], { env: { ANTHROPIC_API_KEY: '' } }), 'create');
    const chat = await runCli(bare, ['chat', '--project', 'p', 'hi'], { env: { ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '', ANTHROPIC_BASE_URL: '', OPENAI_BASE_URL: '' } });
    assert.equal(chat.code, 1);
    assert.match(chat.stderr, /^Error \[LLM_NOT_CONFIGURED\]: No LLM provider is configured\n(\(request id req_\w+\)\n)?Hint: Set ANTHROPIC_API_KEY/m);
    await runCli(bare, ['daemon', 'stop']);
  });

  it('zeblit chat history lists the conversations and shows one with its tool calls', async () => {
    const list = ok(await cli(['chat', 'history']), 'chat history');
    assert.match(list.stdout, /^CONVERSATION\s+UPDATED\s+AGENT\s+MESSAGES\s+COST\s+TITLE\n/);
    assert.match(list.stdout, /^\* cnv_\w+/m, 'the remembered conversation is marked');
    const page = JSON.parse(ok(await cli(['chat', 'history', '--json', '--limit', '1']), 'history --json').stdout) as PageOf<Conversation>;
    assert.equal(page.items.length, 1);
    assert.equal(page.total, 2);
    const rest = JSON.parse(ok(await cli(['chat', 'history', '--json', '--limit', '1', '--offset', '1']), 'history --offset').stdout) as PageOf<Conversation>;
    assert.equal(rest.items.length, 1);
    assert.notEqual(rest.items[0]?.id, page.items[0]?.id);
    assert.match(ok(await cli(['chat', 'history', '--limit', '1']), 'history --limit').stdout, /\(1 of 2; --offset 1 for more\)\n$/);
    const all = JSON.parse(ok(await cli(['chat', 'history', '--json', '--limit', '50']), 'history --json').stdout) as PageOf<Conversation>;
    const engineer = all.items.find((c) => c.title.startsWith('Write hello.py'));
    assert.ok(engineer);
    const one = ok(await cli(['chat', 'history', '--conversation', engineer.id]), 'history --conversation');
    assert.match(one.stdout, /^Write hello\.py that prints hello\n/);
    assert.match(one.stdout, /you:\n {2}Write hello\.py that prints hello/);
    assert.match(one.stdout, / {2}→ engineer write_file hello\.py\n {2}← ok Created hello\.py/);
    assert.match(one.stdout, / {2}── completed · \d+ in \/ \d+ out tokens/);
  });

  it('a turn waiting for approval goes on after zeblit approve, and zeblit deny tells the agent no', async () => {
    fake.reset();
    fake.script([
      { tool_calls: [{ name: 'write_file', input: { path: 'allowed.txt', content: 'yes' } }] },
      { tool_calls: [{ name: 'write_file', input: { path: 'refused.txt', content: 'no' } }] },
      { text: 'One written, one refused.' },
    ]);
    const chat = spawnCli(['chat', '--project', 'careful', '--agent', 'engineer', 'Make some files']);
    const first = await waitFor('the first approval', async () => {
      const r = await cli(['approvals', '--project', 'careful', '--json']);
      return (JSON.parse(r.stdout) as Approval[])[0];
    }, 30_000, 100);
    assert.equal(first.tool, 'write_file');
    const table = ok(await cli(['approvals', '--project', 'careful']), 'approvals');
    assert.match(table.stdout, new RegExp(`^${first.id}\\s+pending\\s+engineer\\s+write_file allowed\\.txt`, 'm'));
    await waitFor('the hint on stderr', () => chat.stderr().includes(`zeblit approve ${first.id}`), 30_000);
    assert.match(ok(await cli(['approve', first.id, '--project', 'careful']), 'approve').stdout, /^Approved: engineer write_file allowed\.txt \([a-z]+_\w+\)\.\n$/);
    const again = await cli(['approve', first.id, '--project', 'careful']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /Error \[CONFLICT\]/);

    const second = await waitFor('the second approval', async () => {
      const r = await cli(['approvals', '--project', 'careful', '--json']);
      return (JSON.parse(r.stdout) as Approval[])[0];
    }, 30_000, 100);
    assert.notEqual(second.id, first.id);
    assert.match(ok(await cli(['deny', second.id, '--project', 'careful', '--note', 'not this one']), 'deny').stdout, /^Denied: engineer write_file refused\.txt/);

    assert.equal(await chat.exited, 0, chat.stderr());
    assert.match(chat.stdout(), /→ engineer write_file allowed\.txt\n\? engineer asks to write_file allowed\.txt: .*\n {2}approval \w+\n← ok /);
    assert.match(chat.stdout(), /→ engineer write_file refused\.txt\n\? engineer asks to write_file refused\.txt: .*\n {2}approval \w+\n← error denied by .*: not this one\n/);
    assert.match(chat.stdout(), /One written, one refused\.\nfiles: allowed\.txt\n── completed/);
    const decided = JSON.parse(ok(await cli(['approvals', '--project', 'careful', '--status', 'denied', '--json']), 'approvals denied').stdout) as Approval[];
    assert.deepEqual(decided.map((a) => [a.id, a.note]), [[second.id, 'not this one']]);
    assert.match(ok(await cli(['approvals', '--project', 'careful']), 'approvals').stdout, /^Nothing waits for approval\.\n$/);
  });

  it('Ctrl-C cancels the turn: exit 130, and history shows it cancelled', async () => {
    fake.reset();
    fake.script([{ tool_calls: [{ name: 'list_files', input: {} }] }, { delay_ms: 120_000, text: 'too late' }]);
    const chat = spawnCli(['chat', '--new', '--agent', 'engineer', 'Take your time']);
    await waitFor('the tool result', () => chat.stdout().includes('← ok'), 30_000);
    // Only once the slow call reached the model: it is then certainly part of the turn.
    await fake.waitForRequests(2, 30_000);
    chat.child.kill('SIGINT');
    assert.equal(await chat.exited, 130, chat.stderr());
    assert.match(chat.stderr(), /Cancelling the turn…/);
    assert.match(chat.stderr(), /Cancelled \(conversation cnv_\w+\)\./);
    const conversation = remembered()[project.id];
    assert.ok(conversation);
    const shown = JSON.parse(ok(await cli(['chat', 'history', '--conversation', conversation, '--json']), 'history').stdout) as Conversation & { messages: Array<{ role: string; status: string | null }> };
    assert.equal(shown.messages.at(-1)?.status, 'cancelled');
    // The conversation is free again.
    fake.reset();
    fake.script([{ text: 'Back.' }]);
    assert.match(ok(await cli(['chat', 'Still there?']), 'chat after cancel').stdout, /^Back\.\n── completed/);
    const st = ok(await cli(['chat', 'cancel']), 'chat cancel');
    assert.match(st.stdout, /^No turn is running in cnv_\w+\.\n$/);
  });
});

describe('zeblit chat with a command run in the container (real engine)', dockerSuite(dockerReason), () => {
  const s = useAgentProject(dockerReason, 'agentsd', 'runner', 'blank');
  const { env } = s;

  it('shows the command, its output dimmed and indented under it, its result and the run in the footer', async () => {
    s.fake.script([{ tool_calls: [{ name: 'run_command', input: { command: 'echo hello; echo oops >&2' } }] }, { text: 'It printed hello.' }]);
    const r = await runCli(s.home, ['chat', '--project', 'runner', '--agent', 'engineer', 'Run the greeting'], { env: env(), timeoutMs: 180_000 });
    assert.equal(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.match(r.stdout, /^→ engineer run_command echo hello; echo oops >&2\n/);
    assert.match(r.stdout, /^ {4}│ hello$/m);
    assert.match(r.stdout, /^ {4}│ oops$/m);
    assert.match(r.stdout, /\n← ok .*\nIt printed hello\.\n── completed · .* · 1 run · cnv_\w+\n$/);
  });
});
