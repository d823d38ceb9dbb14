/**
 * The Telegram bot (grammY, for real) against a fake Telegram Bot API server
 * and the BUILT daemon: linking, two users isolated from each other, /run,
 * documents both ways, a chat turn with the fake LLM (progress by edits,
 * answer with a cost footer), approval buttons, hostile text escaped and
 * split, and Telegram's 429 honoured.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dataOf, request, runCli, sock } from './helpers.ts';
import { alice, bob, startBotWorld, type BotWorld } from './telegram-kit.ts';

describe('telegram bot', { timeout: 600_000 }, () => {
  let w: BotWorld;
  const said: BotWorld['said'] = (...a) => w.said(...a);

  before(async () => {
    w = await startBotWorld('tg');
  });

  after(async () => {
    await w?.close();
  });

  it('an unlinked user can only start, ask for help and link', async () => {
    await said(alice, '/start', /link your Zeblit account/i);
    // Telegram shows the commands as a menu.
    const menu = w.tg.calls.find((c) => c.method === 'setMyCommands')?.params.commands as Array<{ command: string }> | undefined;
    assert.ok(menu?.some((c) => c.command === 'run'), JSON.stringify(menu));
    await said(alice, '/projects', /Link your Zeblit account first/);
    await said(alice, '/link tgl_not-a-real-token', /Unknown link token/);
  });

  it('links with a token from the CLI, and the state file is private', async () => {
    const cli = await runCli(w.home, ['--json', 'auth', 'telegram-link']);
    const token = (JSON.parse(cli.stdout) as { token: string }).token;
    await said(alice, `/link ${token}`, /Linked to Zeblit as <b>[^<]+<\/b>/);
    assert.equal(statSync(join(w.home, 'telegram', 'state.json')).mode & 0o777, 0o600);
    // The token works once.
    await said(bob, `/link ${token}`, /already used/);
  });

  it('two linked users see only their own projects', async () => {
    // Creating a user gives their first key: Bob asks for his own link token with it.
    const created = await request<{ api_key: { key: string } }>(sock(w.daemon), { method: 'POST', path: '/api/v1/users', json: { name: 'robert' } });
    const token = await w.linkToken(dataOf(created).api_key.key);
    await said(bob, `/link ${token}`, /Linked to Zeblit as <b>robert<\/b>/);
    await said(alice, '/create alpha blank', /Created <b>alpha<\/b>/);
    await said(bob, '/projects', /No projects yet/);
    await said(bob, '/use alpha', /not found/i);
    await said(alice, '/projects', /▶ <b>alpha<\/b>/);
  });

  it('/run answers with the output as a code block; long output comes as a file', async () => {
    const r = await said(alice, '/run echo "<b>not bold</b> & done"', /→ <b>exit 0<\/b>/, 60_000);
    assert.match(r.text, /<pre>&lt;b&gt;not bold&lt;\/b&gt; &amp; done\n?<\/pre>/);
    const before = w.tg.botMessages(alice.id).length;
    w.tg.say(alice, '/run python3 -c "print(\'x\' * 20000)" || seq 1 4000');
    const doc = await w.tg.waitFor('the long output as a document', () => w.tg.botMessages(alice.id).slice(before).find((m) => m.document), 60_000);
    assert.equal(doc.document?.file_name, 'output.txt');
    assert.ok((doc.document?.bytes.length ?? 0) > 10_000);
  });

  it('a document sent to the bot is uploaded; /files sends it back', async () => {
    w.tg.sendDocument(alice, 'notes.md', Buffer.from('# Notes\nfrom the phone\n'), 'docs/notes.md');
    await w.tg.waitFor('the upload confirmed', () => w.tg.botMessages(alice.id).find((m) => /Saved <code>docs\/notes.md<\/code>/.test(m.text)), 20_000);
    const list = await said(alice, '/files docs', /pick a file/);
    const before = w.tg.botMessages(alice.id).length;
    w.tg.press(alice, list, '📄 notes.md (23 B)');
    const doc = await w.tg.waitFor('the file as a document', () => w.tg.botMessages(alice.id).slice(before).find((m) => m.document));
    assert.equal(doc.document?.bytes.toString(), '# Notes\nfrom the phone\n');
  });

  it('a chat turn edits one status message and answers with the cost', async () => {
    w.llm.reset();
    w.llm.script([{ tool_calls: [{ name: 'list_files', input: {} }] }, { text: 'There is a docs folder with <notes>.' }]);
    const before = w.tg.botMessages(alice.id).length;
    w.tg.say(alice, '@engineer what is in this project?');
    const answer = await w.tg.waitFor('the answer', () => w.tg.botMessages(alice.id).slice(before).find((m) => /There is a docs folder/.test(m.text)), 60_000);
    assert.match(answer.text, /with &lt;notes&gt;\./);
    assert.match(answer.text, /— engineer · completed · [\d,]+ tokens · \$/);
    const status = w.tg.botMessages(alice.id).slice(before).find((m) => /Done\./.test(m.text));
    assert.ok(status && status.edits >= 1, 'the status message was edited');
    assert.match(status.text, /→ list_files/);
  });

  it('hostile text is escaped and 20,000 characters are split on line boundaries', async () => {
    w.llm.reset();
    const long = Array.from({ length: 400 }, (_, i) => `<line ${i}> & "quoted" ${'x'.repeat(40)}`).join('\n');
    w.llm.script([{ text: long }]);
    const before = w.tg.botMessages(alice.id).length;
    w.tg.say(alice, '@engineer say a lot');
    await w.tg.waitFor('the footer', () => w.tg.botMessages(alice.id).slice(before).find((m) => /— engineer/.test(m.text)), 60_000);
    const parts = w.tg.botMessages(alice.id).slice(before).filter((m) => /&lt;line \d+&gt;/.test(m.text));
    assert.ok(parts.length >= 5, `split into ${parts.length} messages`);
    for (const p of parts) assert.ok(p.text.length <= 4096);
    const lines = parts.flatMap((p) => p.text.replace(/\n\n<i>—[\s\S]*$/, '').split('\n'));
    assert.equal(lines.filter((l) => /^&lt;line \d+&gt;/.test(l)).length, 400, 'no line was cut');
  });

  it('approval requests come with buttons, which go once decided', async () => {
    await said(alice, '/run true', /exit 0/, 60_000);
    const p = await request<{ id: string }>(sock(w.daemon), { method: 'GET', path: '/api/v1/projects/alpha' });
    await request(sock(w.daemon), { method: 'PUT', path: `/api/v1/projects/${dataOf(p).id}`, json: { settings: { approval: 'ask' } } });
    w.llm.reset();
    w.llm.script([{ tool_calls: [{ name: 'run_command', input: { command: 'echo approved-run' } }] }, { text: 'Ran it.' }]);
    const before = w.tg.botMessages(alice.id).length;
    w.tg.say(alice, '@engineer run echo');
    const ask = await w.tg.waitFor('the approval request', () => w.tg.botMessages(alice.id).slice(before).find((m) => /wants to <b>run_command<\/b>/.test(m.text) && m.reply_markup), 60_000);
    w.tg.press(alice, ask, '✅ Approve');
    await w.tg.waitFor('the buttons gone and the decider named', () => (!ask.reply_markup && /Approved<\/b> by \w+/.test(ask.text) ? ask : undefined));
    await w.tg.waitFor('the answer', () => w.tg.botMessages(alice.id).slice(before).find((m) => /Ran it\./.test(m.text)), 60_000);
  });

  it("Telegram's 429 is waited out and the message still arrives", async () => {
    w.tg.throttleNext('sendMessage', 1);
    const t0 = Date.now();
    await said(alice, '/help', /your projects, from your phone/);
    assert.ok(Date.now() - t0 >= 900, 'waited for retry_after');
  });
});
