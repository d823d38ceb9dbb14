/**
 * The Telegram bot against the built daemon, continued: /logs and /errors,
 * notifications of long agent turns per /notify, and /unlink.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dataOf, request, sock, waitFor } from './helpers.ts';
import { alice, startBotWorld, type BotWorld } from './telegram-kit.ts';

/** Turns at least this long are announced (the bot's default is a minute). */
const LONG_TURN_MS = 1_000;

describe('telegram bot: logs, errors, notifications, unlink', { timeout: 600_000 }, () => {
  let w: BotWorld;
  let projectId: string;
  const said: BotWorld['said'] = (...a) => w.said(...a);

  /** A chat turn started elsewhere (as the CLI would, on the socket), not from the bot. */
  async function turnElsewhere(message: string): Promise<{ status: string }> {
    const r = await request<{ status: string }>(sock(w.daemon), { method: 'POST', path: `/api/v1/projects/${projectId}/chat`, json: { message, agent: 'engineer' }, timeoutMs: 60_000 });
    return dataOf(r);
  }

  const notices = () => w.tg.botMessages(alice.id).filter((m) => /(finished|ended \(\w+\)) in <b>gamma<\/b> after/.test(m.text));

  before(async () => {
    w = await startBotWorld('tg-more', { longTurnMs: LONG_TURN_MS });
    await w.linkOwner(alice);
    await said(alice, '/create gamma python', /Created <b>gamma<\/b>/);
    projectId = dataOf(await request<{ id: string }>(sock(w.daemon), { method: 'GET', path: '/api/v1/projects/gamma' })).id;
  });

  after(async () => {
    await w?.close();
  });

  it('/logs shows the console and /errors the errors found in it', async () => {
    await said(alice, '/errors', /No errors found in the console of <b>gamma<\/b>/);
    await said(alice, `/run python3 -c "print('hello <from> gamma'); raise ValueError('boom & bust')"`, /→ <b>exit 1<\/b>/, 60_000);
    const logs = await said(alice, '/logs', /Console of <b>gamma<\/b> \(last \d+ lines\):/);
    assert.match(logs.text, /<pre>[\s\S]*hello &lt;from&gt; gamma[\s\S]*ValueError: boom &amp; bust[\s\S]*<\/pre>/);
    // Errors are found as the output is read: ask until it is there.
    const errors = await waitFor('the error listed', async () => {
      const m = await said(alice, '/errors', /ValueError|No errors found/);
      return /ValueError/.test(m.text) ? m : undefined;
    }, 30_000, 500);
    assert.match(errors.text, /<b>python\.ValueError<\/b>: ValueError: boom &amp; bust\nat <code>&lt;string&gt;:1<\/code>\n💡 /);
  });

  it('a long turn started elsewhere is announced when it ends, per /notify', async () => {
    // The default, failures: a long turn that completed is not announced.
    w.llm.reset();
    w.llm.script([{ text: 'All quiet.', delay_ms: LONG_TURN_MS + 500 }]);
    assert.equal((await turnElsewhere('anything to do?')).status, 'completed');

    await said(alice, '/notify on', /Notifications: <b>on<\/b>/);
    w.llm.reset();
    w.llm.script([{ text: 'Done: tests <pass> & all is well.', delay_ms: LONG_TURN_MS + 500 }]);
    assert.equal((await turnElsewhere('run the tests')).status, 'completed');
    const done = await w.tg.waitFor('the completed turn announced', () => notices().find((m) => /finished/.test(m.text)), 20_000);
    assert.match(done.text, /✅ <b>engineer<\/b> finished in <b>gamma<\/b> after \d+ s/);
    assert.match(done.text, /Done: tests &lt;pass&gt; &amp; all is well\./);
    // A short turn is not announced, nor was the first long one (events arrive in order: it would be here by now).
    w.llm.reset();
    w.llm.script([{ text: 'Quick one.' }]);
    await turnElsewhere('quick?');

    await said(alice, '/notify failures', /Notifications: <b>failures<\/b>/);
    w.llm.reset();
    w.llm.script([{ tool_calls: [{ name: 'list_files', input: {} }], delay_ms: LONG_TURN_MS + 500 }, { error: { status: 400, message: 'the model refused' } }]);
    assert.equal((await turnElsewhere('break something')).status, 'failed');
    const failed = await w.tg.waitFor('the failed turn announced', () => notices().find((m) => /ended \(failed\)/.test(m.text)), 20_000);
    assert.match(failed.text, /⚠️ <b>engineer<\/b> ended \(failed\) in <b>gamma<\/b>/);
    assert.equal(notices().length, 2, `only the two: ${notices().map((m) => m.text).join(' | ')}`);

    await said(alice, '/notify off', /Notifications: <b>off<\/b>/);
    w.llm.reset();
    w.llm.script([{ tool_calls: [{ name: 'list_files', input: {} }], delay_ms: LONG_TURN_MS + 500 }, { error: { status: 400, message: 'again' } }]);
    await turnElsewhere('break it again');
    await said(alice, '/notify', /Notifications are <b>off<\/b>/);
    assert.equal(notices().length, 2, 'nothing when off');
  });

  it('a long turn asked in the chat is answered there, not announced again', async () => {
    await said(alice, '/notify on', /Notifications: <b>on<\/b>/);
    w.llm.reset();
    w.llm.script([{ text: 'Answered in the chat.', delay_ms: LONG_TURN_MS + 500 }]);
    await said(alice, '@engineer take your time', /Answered in the chat\./, 60_000);
    // Notices go out in the order turns end: once the next one is here, the chat's would have been too.
    w.llm.reset();
    w.llm.script([{ text: 'The next one.', delay_ms: LONG_TURN_MS + 500 }]);
    await turnElsewhere('and now?');
    await w.tg.waitFor('the next turn announced', () => notices().find((m) => /The next one\./.test(m.text)), 20_000);
    assert.equal(notices().length, 3, notices().map((m) => m.text).join(' | '));
    assert.ok(!notices().some((m) => /Answered in the chat/.test(m.text)));
  });

  it('a second message while the agents work is turned away, even sent at once', async () => {
    w.llm.reset();
    w.llm.script([{ text: 'One at a time.', delay_ms: 500 }]);
    const before = w.tg.botMessages(alice.id).length;
    w.tg.say(alice, '@engineer first');
    w.tg.say(alice, '@engineer second');
    await w.tg.waitFor('the second turned away', () => w.tg.botMessages(alice.id).slice(before).find((m) => /still working on your last message/.test(m.text)));
    await w.tg.waitFor('the first answered', () => w.tg.botMessages(alice.id).slice(before).find((m) => /One at a time\./.test(m.text)), 60_000);
    assert.equal(w.llm.requests.length, 1, 'one turn ran');
  });

  it("files past Telegram's limits are refused with a clear message, both ways", async () => {
    // 21 MB sent to the bot: more than Telegram lets a bot fetch.
    const before = w.tg.botMessages(alice.id).length;
    w.tg.sendDocument(alice, 'huge.bin', Buffer.alloc(21 * 1024 * 1024), 'huge.bin');
    await w.tg.waitFor('the refusal', () => w.tg.botMessages(alice.id).slice(before).find((m) => /Telegram lets bots fetch files of at most 20 MB/.test(m.text)));
    assert.ok(!w.tg.calls.some((c) => c.method === 'getFile'), 'the file was not fetched');
    // 51 MB (sparse) in the project: more than Telegram lets a bot send.
    await said(alice, '/run truncate -s 51M big.bin', /exit 0/, 60_000);
    const list = await said(alice, '/files', /pick a file/);
    const button = list.reply_markup?.inline_keyboard?.flat().find((b) => b.text.startsWith('📄 big.bin'));
    assert.ok(button, JSON.stringify(list.reply_markup));
    const mark = w.tg.botMessages(alice.id).length;
    w.tg.press(alice, list, button.text);
    await w.tg.waitFor('the refusal', () => w.tg.botMessages(alice.id).slice(mark).find((m) => /<code>big\.bin<\/code> is [\d.]+ MiB: Telegram lets bots send at most 50 MB\. Get it with <code>zeblit files download<\/code>/.test(m.text)));
    assert.ok(!w.tg.botMessages(alice.id).slice(mark).some((m) => m.document), 'nothing was sent');
  });

  it('/unlink forgets the account: its key stops working and only /start, /help and /link answer', async () => {
    const state = JSON.parse(readFileSync(join(w.home, 'telegram', 'state.json'), 'utf8')) as { users: Record<string, { key: string }> };
    const key = state.users[String(alice.id)]?.key;
    assert.ok(key);
    const before = await request(sock(w.daemon), { method: 'GET', path: '/api/v1/users/me', headers: { authorization: `Bearer ${key}` } });
    assert.equal(before.status, 200);

    await said(alice, '/unlink', /^Unlinked\./);
    await said(alice, '/projects', /Link your Zeblit account first/);
    const after = await request(sock(w.daemon), { method: 'GET', path: '/api/v1/users/me', headers: { authorization: `Bearer ${key}` } });
    assert.equal(after.status, 401, 'the link key is revoked');
    const links = dataOf(await request<unknown[]>(sock(w.daemon), { method: 'GET', path: '/api/v1/auth/telegram/links' }));
    assert.deepEqual(links, []);
    assert.ok(!readFileSync(join(w.home, 'telegram', 'state.json'), 'utf8').includes(key), 'the bot forgot the key');
    // Linking again works.
    await w.linkOwner(alice);
  });
});
