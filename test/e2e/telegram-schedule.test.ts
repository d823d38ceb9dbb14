/**
 * The Telegram bot and the scheduler, against the built daemon: /schedule new
 * creates a task through a conversation (a bad schedule asked again),
 * /schedule lists tasks with buttons that disable, enable and run them now,
 * and task results reach the chat per the task's notify_on and the link's
 * /notify, a failing scheduled task included.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PageOf, ScheduledTask, TaskRunSummary } from '../../src/contracts/index.ts';
import { dataOf, request, sock, waitFor } from './helpers.ts';
import { alice, startBotWorld, type BotWorld } from './telegram-kit.ts';

describe('telegram bot: /schedule and task results', { timeout: 600_000 }, () => {
  let w: BotWorld;
  let projectId: string;
  const said: BotWorld['said'] = (...a) => w.said(...a);
  const task = async (name: string) => dataOf(await request<ScheduledTask>(sock(w.daemon), { path: `/api/v1/scheduled-tasks/${name}?project=${projectId}` }));
  const since = (n: number) => w.tg.botMessages(alice.id).slice(n);

  before(async () => {
    w = await startBotWorld('tg-sched');
    await w.linkOwner(alice);
    await said(alice, '/create cron blank', /Created <b>cron<\/b>/);
    projectId = dataOf(await request<{ id: string }>(sock(w.daemon), { path: '/api/v1/projects/cron' })).id;
  });

  after(async () => {
    // No task may fire into the next suite's daemon-less world.
    for (const name of ['nightly', 'breaks']) await request(sock(w.daemon), { method: 'POST', path: `/api/v1/scheduled-tasks/${name}/disable?project=${projectId}` }).catch(() => null);
    await w?.close();
  });

  it('/schedule new asks name, what, when and notify, then creates the task', async () => {
    await said(alice, '/schedule', /No scheduled tasks in <b>cron<\/b>/);
    await said(alice, '/schedule new', /1\/4 Its <b>name<\/b>/);
    await said(alice, 'bad name!', /A name starts with a letter or digit/);
    await said(alice, 'nightly', /2\/4 <b>What<\/b>/);
    const whenQ = await said(alice, 'echo "nightly <ok>"', /3\/4 <b>When\?<\/b>/);
    await said(alice, '0 9 * * 8', /That schedule does not work \(day of week\)/);
    const before = w.tg.botMessages(alice.id).length;
    w.tg.press(alice, whenQ, 'Weekdays 09:00');
    const notifyQ = await w.tg.waitFor('the last question', () => since(before).find((m) => /4\/4 Tell you of its <b>results<\/b>/.test(m.text)));
    assert.match(notifyQ.text, /^At 09:00, Monday through Friday\. First run: /);
    assert.ok(!whenQ.reply_markup, 'the schedule buttons went once one was picked');
    w.tg.press(alice, notifyQ, 'Always');
    await w.tg.waitFor('the task made', () => since(before).find((m) => /Scheduled <b>nightly<\/b> in <b>cron<\/b>: At 09:00, Monday through Friday\./.test(m.text)));
    const t = await task('nightly');
    assert.deepEqual([t.schedule, t.command, t.notify_on, t.enabled, t.kind], ['0 9 * * 1-5', 'echo "nightly <ok>"', 'always', true, 'command']);
    // The conversation is over: the next message goes to the agents again, and /cancel has nothing to abandon.
    await said(alice, '/cancel', /Nothing is running/);
  });

  it('/cancel abandons a conversation', async () => {
    await said(alice, '/schedule new', /1\/4/);
    await said(alice, '/cancel', /No task created/);
    const page = dataOf(await request<PageOf<ScheduledTask>>(sock(w.daemon), { path: `/api/v1/scheduled-tasks?project=${projectId}` }));
    assert.deepEqual(page.items.map((x) => x.name), ['nightly']);
  });

  it('/schedule lists the tasks; its buttons disable, enable and run one now, whose result arrives', async () => {
    const list = await said(alice, '/schedule', /Scheduled tasks in <b>cron<\/b>:\n\n🟢 <b>nightly<\/b> — At 09:00, Monday through Friday\n<code>echo "nightly &lt;ok&gt;"<\/code> · next: /);
    w.tg.press(alice, list, '⏸ Disable nightly');
    await w.tg.waitFor('the list shows it disabled', () => (/⏸ <b>nightly<\/b>[^\n]*\n[^\n]* · disabled/.test(list.text) ? list : undefined));
    assert.equal((await task('nightly')).enabled, false);
    w.tg.press(alice, list, '▶ Enable nightly');
    await w.tg.waitFor('the list shows it enabled', () => (/🟢 <b>nightly<\/b>/.test(list.text) ? list : undefined));
    assert.equal((await task('nightly')).enabled, true);
    // notify_on always, and /notify on: a success is announced, with its output.
    await said(alice, '/notify on', /Notifications: <b>on<\/b>/);
    const before = w.tg.botMessages(alice.id).length;
    w.tg.press(alice, list, '⚡ Run nightly now');
    const done = await w.tg.waitFor('the result', () => since(before).find((m) => /Task nightly succeeded/.test(m.text)), 120_000);
    assert.match(done.text, /^✅ <b>Task nightly succeeded<\/b> in <b>cron<\/b>\nmanual run in [\d.]+ s, exit 0\n<pre>nightly &lt;ok&gt;<\/pre>$/);
  });

  it('a failing scheduled task notifies the chat, also under /notify failures', async () => {
    await said(alice, '/notify failures', /Notifications: <b>failures<\/b>/);
    const before = w.tg.botMessages(alice.id).length;
    // Every 2 seconds, by the schedule; notify_on failure is the default.
    await request(sock(w.daemon), { method: 'POST', path: '/api/v1/scheduled-tasks', json: { project_id: projectId, name: 'breaks', schedule: '*/2 * * * * *', command: 'echo about to fail; exit 3' } });
    const failed = await w.tg.waitFor('the failure', () => since(before).find((m) => /Task breaks failed/.test(m.text)), 120_000);
    assert.match(failed.text, /^⚠️ <b>Task breaks failed<\/b> in <b>cron<\/b>\nschedule run in [\d.]+ s[:,] exit (code )?3\n<pre>about to fail<\/pre>$/);
    await request(sock(w.daemon), { method: 'POST', path: `/api/v1/scheduled-tasks/breaks/disable?project=${projectId}` });
    // Under /notify failures a success says nothing: nightly (notify_on always) runs, then breaks fails again. The bot
    // handles a project's events in order, so once the second failure is told, nightly's success would have been too.
    const mark = w.tg.botMessages(alice.id).length;
    const ran = dataOf(await request<TaskRunSummary>(sock(w.daemon), { method: 'POST', path: `/api/v1/scheduled-tasks/nightly/execute?project=${projectId}` }));
    await waitFor('the run over', async () => (dataOf(await request<TaskRunSummary>(sock(w.daemon), { path: `/api/v1/scheduled-tasks/runs/${ran.id}` })).status === 'success' ? true : undefined), 120_000);
    await request(sock(w.daemon), { method: 'POST', path: `/api/v1/scheduled-tasks/breaks/execute?project=${projectId}` });
    await w.tg.waitFor('the manual failure', () => since(mark).find((m) => /Task breaks failed<\/b> in <b>cron<\/b>\nmanual run/.test(m.text)), 120_000);
    assert.ok(!since(mark).some((m) => /Task nightly succeeded/.test(m.text)), 'a success is not announced under /notify failures');
  });
});
