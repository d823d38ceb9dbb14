/**
 * Scheduled runs doing real work: commands in a real container (output and
 * its console source, a timeout that kills the whole tree, retries, overlap
 * with a command that really runs) and an agent task against the fake LLM
 * that writes a file. The clock that decides WHEN is fake; what runs is real.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AgentService } from '../agents/index.ts';
import { agentsFixture, type AgentsFixture } from '../agents/testing.ts';
import type { Project } from '../contracts/index.ts';
import { dockerSuite, dockerUnavailableReason } from '../containers/testing.ts';
import { SchedulerService } from './service.ts';
import { FakeClock, settle } from './testing.ts';

const reason = await dockerUnavailableReason();
const START = Date.UTC(2030, 0, 1);

function scheduler(f: AgentsFixture, clock: FakeClock, agents = f.agents): SchedulerService {
  const s = new SchedulerService({ db: f.database.db, bus: f.bus, projects: f.projects, containers: f.containers, agents }, { clock, defaultTimezone: 'UTC' });
  s.start();
  return s;
}

/** Fires the next armed instant and waits for the runs it started to be recorded. */
async function fire(s: SchedulerService, clock: FakeClock): Promise<void> {
  const at = clock.nextAt;
  assert.ok(at !== null, 'a timer is armed');
  clock.advanceTo(at);
  await settle();
  await s.idle();
}

describe('scheduled commands in a real container', dockerSuite(reason), () => {
  let f: AgentsFixture;
  let p: Project;
  let s: SchedulerService;
  const clock = new FakeClock(START);
  before(async () => {
    f = await agentsFixture({ docker: true });
    p = f.project('sched-real');
    s = scheduler(f, clock);
  });
  after(async () => {
    s?.close();
    await f?.close();
  });

  test('output is kept as the run’s tails, linked to the container run, and reaches the console as source scheduler', async () => {
    const t = s.create(f.ownerId, { project_id: p.id, name: 'hello', command: 'echo "hello from cron $GREETING"; echo oops >&2', environment: { GREETING: 'there' }, schedule: '* * * * *' });
    await fire(s, clock);
    const [summary] = s.runs(f.ownerId, t.id).items;
    assert.ok(summary);
    const run = s.run(f.ownerId, summary.id);
    assert.equal(run.status, 'success', run.reason ?? '');
    assert.equal(run.exit_code, 0);
    assert.equal(run.stdout, 'hello from cron there\n');
    assert.equal(run.stderr, 'oops\n');
    assert.match(run.run_id ?? '', /^run_/);
    const containerRun = f.containers.getRun(p, run.run_id as string);
    assert.equal(containerRun.user_id, f.ownerId);
    assert.equal(containerRun.stdout, 'hello from cron there\n');
    // The console stores lines in batches: wait for this run's.
    let lines = f.console.store.history(p.id, { run_id: run.run_id as string }).items;
    for (let i = 0; i < 100 && !lines.some((l) => l.text === 'hello from cron there'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      lines = f.console.store.history(p.id, { run_id: run.run_id as string }).items;
    }
    assert.ok(lines.some((l) => l.text === 'hello from cron there'), JSON.stringify(lines));
    assert.ok(lines.every((l) => l.source === 'scheduler'), JSON.stringify(lines.map((l) => l.source)));
    assert.ok(f.events.some((e) => e.type === 'console.output' && (e.data as { source: string }).source === 'scheduler'));
    s.setEnabled(f.ownerId, t.id, false);
  });

  test('a timeout kills the whole process tree and is recorded as timeout', async () => {
    const t = s.create(f.ownerId, { project_id: p.id, name: 'slow', command: 'sleep 313 & sleep 314; echo never', timeout_seconds: 1, schedule: '* * * * *' });
    const began = Date.now();
    await fire(s, clock);
    const run = s.run(f.ownerId, s.runs(f.ownerId, t.id).items[0]?.id as string);
    assert.equal(run.status, 'timeout');
    assert.match(run.reason ?? '', /longer than 1 s/);
    assert.ok(Date.now() - began < 15_000, 'killed, not waited for');
    assert.doesNotMatch(run.stdout, /never/);
    // Neither sleep survives (the [3] keeps grep from finding itself).
    const ps = await f.containers.run({ userId: f.ownerId, keyId: null, clientType: null }, p, { command: "for d in /proc/[0-9]*; do tr '\\0' ' ' < $d/cmdline 2>/dev/null; echo; done | grep -c 'sleep 31[34]' || true", cwd: '/workspace', env: {}, timeout_seconds: 30, detach: false });
    assert.equal((await ps.finished).stdout.trim(), '0');
    s.setEnabled(f.ownerId, t.id, false);
  });

  test('a failed run is retried after the delay; the retry succeeds', async () => {
    const t = s.create(f.ownerId, {
      project_id: p.id,
      name: 'flaky',
      command: 'if [ -f .flaky-ran ]; then echo second try; else touch .flaky-ran; echo first try >&2; exit 7; fi',
      max_retries: 2,
      retry_delay_seconds: 30,
      schedule: '0 * * * *',
    });
    await fire(s, clock); // the hourly run fails
    await fire(s, clock); // 30 s later, the retry
    const runs = s.runs(f.ownerId, t.id).items.reverse();
    assert.deepEqual(runs.map((r) => [r.attempt, r.trigger, r.status, r.exit_code]), [[1, 'schedule', 'failed', 7], [2, 'retry', 'success', 0]]);
    assert.equal((runs[1]?.started_at ?? 0) >= (runs[0]?.finished_at ?? Infinity) + 30_000, true);
    assert.equal(s.run(f.ownerId, runs[1]?.id as string).stdout, 'second try\n');
    s.setEnabled(f.ownerId, t.id, false);
  });

  test('overlap with a command that really runs: skip records the instant that came while it ran', async () => {
    const t = s.create(f.ownerId, { project_id: p.id, name: 'long', command: 'sleep 2', schedule: '* * * * * *' });
    clock.advanceTo(clock.nextAt as number); // run 1 starts for real
    await new Promise((r) => setTimeout(r, 500)); // it is running in the container
    clock.advanceTo(clock.nextAt as number); // the next second's instant, while it runs
    await settle();
    s.setEnabled(f.ownerId, t.id, false);
    await s.idle();
    const runs = s.runs(f.ownerId, t.id).items.reverse();
    assert.deepEqual(runs.map((r) => r.status), ['success', 'skipped']);
    assert.match(runs[1]?.reason ?? '', /still running \(concurrency: skip\)/);
  });
});

describe('a scheduled agent task against the fake LLM', () => {
  let f: AgentsFixture;
  let s: SchedulerService;
  let agents: AgentService;
  const clock = new FakeClock(START);
  before(async () => {
    f = await agentsFixture();
    // As boot wires them: the agents' context shows the tasks' results, the scheduler runs agent tasks.
    let sched: SchedulerService | undefined;
    agents = new AgentService({ db: f.database.db, bus: f.bus, llm: f.llm, files: f.files, containers: f.containers, console: f.console, tasks: { recentResults: (id, n) => sched?.recentResults(id, n) ?? [] } });
    s = sched = scheduler(f, clock, agents);
  });
  after(async () => {
    s?.close();
    await agents?.close();
    await f?.close();
  });

  test('the Engineer writes a file on schedule; the run links the conversation, its tokens and cost', async () => {
    const p = f.project('agentic');
    f.fake.script([
      { text: 'Writing the report.', tool_calls: [{ name: 'write_file', input: { path: 'reports/daily.md', content: '# Daily report\nall green\n' } }], usage: { input_tokens: 1200, output_tokens: 80 } },
      { tool_calls: [{ name: 'finish', input: { summary: 'Wrote reports/daily.md.' } }], usage: { input_tokens: 1300, output_tokens: 20 } },
    ]);
    const t = s.create(f.ownerId, { project_id: p.id, name: 'daily-report', agent: 'engineer', prompt: 'Write reports/daily.md with the status', schedule: '0 9 * * *' });
    await fire(s, clock);
    const [summary] = s.runs(f.ownerId, t.id).items;
    const run = s.run(f.ownerId, summary?.id as string);
    assert.equal(run.status, 'success', run.reason ?? '');
    assert.match(run.conversation_id ?? '', /^cnv_/);
    assert.equal(run.stdout, 'Wrote reports/daily.md.');
    assert.equal(run.input_tokens, 2500);
    assert.equal(run.output_tokens, 100);
    assert.ok((run.cost_usd ?? 0) > 0);
    const file = await f.files.read(p.id, 'reports/daily.md');
    assert.equal(file.content, '# Daily report\nall green\n');
    const history = agents.history(p.id, { conversation_id: run.conversation_id as string, limit: 20, offset: 0 });
    assert.ok('messages' in history && history.messages[0]?.content === 'Write reports/daily.md with the status');
    assert.equal(f.fake.requests.at(-1)?.model, 'claude-haiku-4-5');

    // The next turn in this project sees the task's result in its context.
    f.fake.script([{ text: 'noted' }]);
    await agents.chat({ userId: f.ownerId, project: p }, { message: 'What ran lately?', stream: false });
    assert.match(JSON.stringify(f.fake.requests.at(-1)), /Scheduled tasks \(latest results\).*daily-report success/);
  });

  test('a refused turn (no provider configured) fails the run with the reason', async () => {
    const g = await agentsFixture({ configured: false });
    const gs = scheduler(g, new FakeClock(START));
    try {
      const p = g.project('unconfigured');
      const t = gs.create(g.ownerId, { project_id: p.id, name: 'nope', agent: 'engineer', prompt: 'hi', schedule: '* * * * *' });
      const run = gs.execute(g.ownerId, t.id);
      await gs.idle();
      const done = gs.run(g.ownerId, run.id);
      assert.equal(done.status, 'failed');
      assert.match(done.reason ?? '', /^LLM_NOT_CONFIGURED: /);
    } finally {
      gs.close();
      await g.close();
    }
  });
});
