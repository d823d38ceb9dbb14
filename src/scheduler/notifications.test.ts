/** Task results reach people: the hub always (notify_on permitting), the task's webhook with the run record. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { EventPayload, TaskRun } from '../contracts/index.ts';
import { Notifier, WebhookSender, hubSink, webhookSink } from '../notify/index.ts';
import { schedulerFixture, type SchedulerFixture } from './testing.ts';

const MIN = 60_000;

describe('task notifications', () => {
  let f: SchedulerFixture;
  const bodies: { body: unknown; at: number }[] = [];
  let failuresLeft = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      bodies.push({ body: JSON.parse(body), at: Date.now() });
      res.writeHead(failuresLeft-- > 0 ? 502 : 200).end();
    });
  });
  let url = '';
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const notifier = new Notifier();
    const webhooks = new WebhookSender({ sleep: async () => {}, ownListeners: () => [{ host: '127.0.0.1', port: 7823 }] });
    f = schedulerFixture({ deps: { notifier, checkWebhook: (u) => webhooks.check(u) } });
    notifier.add(hubSink(f.bus));
    notifier.add(webhookSink(webhooks));
    f.scheduler.start();
  });
  after(async () => {
    f.close();
    await new Promise((r) => server.close(r));
  });
  const notices = () => f.events.filter((e) => e.type === 'notification.created').map((e) => e.data as EventPayload<'notification.created'>);

  test('a failure POSTs the run record to a webhook that fails twice: delivered on the third attempt, recorded on the run', async () => {
    const p = f.project('hooked');
    f.containers.autoFinish = { exit_code: 2, stderr: 'disk full\n' };
    failuresLeft = 2;
    const t = f.scheduler.create(f.ownerId, { project_id: p.id, name: 'report', command: 'make report', schedule: '* * * * *', webhook_url: url, environment: { API_TOKEN: 'sekrit' } });
    await f.advance(MIN);
    await f.scheduler.idle();
    assert.equal(bodies.length, 3, 'two failures, then delivered');
    const payload = bodies[2]?.body as { event: string; task: { id: string; name: string; environment: unknown; webhook_url?: unknown }; run: TaskRun };
    assert.equal(payload.event, 'task.completed');
    assert.equal(payload.task.id, t.id);
    assert.deepEqual(payload.task.environment, ['API_TOKEN'], 'variable names only: values may be secrets');
    assert.doesNotMatch(JSON.stringify(payload), /sekrit/);
    assert.equal(payload.task.webhook_url, undefined);
    assert.equal(payload.run.status, 'failed');
    assert.equal(payload.run.exit_code, 2);
    assert.equal(payload.run.stderr, 'disk full\n');
    const run = f.scheduler.runs(f.ownerId, t.id).items[0];
    assert.equal(run?.webhook_status, 'delivered (HTTP 200) after 3 attempts');
    const n = notices().at(-1);
    assert.equal(n?.kind, 'task_result');
    assert.equal(n?.level, 'error');
    assert.equal(n?.title, 'Task report failed');
    assert.match(n?.message ?? '', /exit code 2/);
    assert.equal(n?.run_id, run?.id);
    f.scheduler.setEnabled(f.ownerId, t.id, false);
  });

  test('notify_on: failure is quiet on success; always tells; never never does', async () => {
    const p = f.project('quiet');
    f.containers.autoFinish = { exit_code: 0 };
    const before = notices().length;
    const sent = bodies.length;
    const mk = (name: string, notify_on: 'failure' | 'always' | 'never') => f.scheduler.create(f.ownerId, { project_id: p.id, name, command: 'true', schedule: '* * * * *', notify_on, webhook_url: url });
    mk('on-failure', 'failure');
    mk('always', 'always');
    mk('never', 'never');
    await f.advance(MIN);
    await f.scheduler.idle();
    assert.deepEqual(notices().slice(before).map((n) => n.title), ['Task always succeeded']);
    assert.equal(bodies.length, sent + 1);
    f.containers.autoFinish = { exit_code: 1 };
    await f.advance(MIN);
    await f.scheduler.idle();
    assert.deepEqual(notices().slice(before + 1).map((n) => n.title).sort(), ['Task always failed', 'Task on-failure failed']);
  });
});
