import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Project } from '../../contracts/index.ts';
import { dockerSuite, dockerUnavailableReason, requireDocker } from '../../containers/testing.ts';
import { ToolError } from '../types.ts';
import { LiveLines } from './run-command.ts';
import { toolFixture, type ToolFixture } from './testing.ts';

const reason = await dockerUnavailableReason(['zeblit/python:local']);

test('live output goes out in whole lines; the rest when flushed', () => {
  const sent: [string, string][] = [];
  const live = new LiveLines((stream, data) => sent.push([stream, data]));
  live.push('stdout', 'average:');
  live.push('stderr', 'warn');
  live.push('stdout', ' 0.0\nnext');
  live.push('stderr', 'ing\n');
  assert.deepEqual(sent, [
    ['stdout', 'average: 0.0\n'],
    ['stderr', 'warning\n'],
  ]);
  live.flush();
  assert.deepEqual(sent.slice(2), [['stdout', 'next']]);
  live.flush();
  assert.equal(sent.length, 3);
});

describe('run_command and read_console in a real container', dockerSuite(reason), () => {
  let f: ToolFixture;
  let project: Project;

  before(() => {
    if (reason) requireDocker(reason);
    f = toolFixture();
    project = f.project('runs', 'python');
  });
  after(() => f?.close());

  test('a failing Python script: exit code, the stderr tail and the detected error', async () => {
    writeFileSync(join(f.files.root(project.id), 'main.py'), 'print("before")\nitems = []\nprint(sum(items) / len(items))\n');
    const ctx = f.context(project);
    const out = await f.text('run_command', { command: 'python3 main.py' }, ctx);
    assert.match(out, /^\$ python3 main\.py\nexit code 1 · \d+\.\d s · run run_\w+\n/);
    assert.match(out, /--- stdout:\nbefore\n/);
    assert.match(out, /--- stderr:\nTraceback \(most recent call last\):\n {2}File "\/workspace\/main\.py", line 3, in <module>\n.*\nZeroDivisionError: division by zero/s);
    assert.match(out, /--- errors detected \(1\):\n- \[error\] ZeroDivisionError: division by zero at \/workspace\/main\.py:3\n {4}suggestion: /);
    assert.equal(ctx.runs.length, 1);
    const runId = ctx.runs[0] as string;
    assert.ok(out.includes(`run ${runId}`));
    // Output went live to the turn, and to the console under the agent's name.
    assert.ok(ctx.output.some((o) => o.runId === runId && o.stream === 'stdout' && o.data.includes('before')));
    assert.ok(ctx.output.some((o) => o.stream === 'stderr' && o.data.includes('ZeroDivisionError')));
    const lines = f.console.store.tail(project.id, 50, runId);
    assert.ok(lines.length >= 5);
    assert.deepEqual([...new Set(lines.map((l) => l.source))], ['agent']);
    const errors = f.console.store.errors(project.id, { run_id: runId });
    assert.equal(errors.length, 1);

    const console = await f.text('read_console', { lines: 20 }, ctx);
    assert.match(console, new RegExp(`--- run ${runId} \\(agent\\)\\n {2}before\\n! Traceback`));
    assert.match(console, /Errors detected, newest first:\n- \[error\] ZeroDivisionError/);
  });

  test('success: stdout tail of a long output, cwd relative to /workspace, an exit code no line explains', async () => {
    const ctx = f.context(project);
    const long = await f.text('run_command', { command: 'seq 1 500' }, ctx);
    assert.match(long, /^\$ seq 1 500\nexit code 0 · /);
    assert.match(long, /--- stdout \(last 100 of 500 lines\):\n401\n/);
    assert.match(long, /\n500\n--- stderr: \(empty\)$/);
    assert.doesNotMatch(long, /errors detected/);
    // More than the container keeps of a stream (its head and tail): the middle is gone, the tail is still the end.
    const huge = await f.text('run_command', { command: 'seq 1 300000' }, ctx);
    assert.match(huge, /--- stdout \(last 100 lines of 1\.\d MiB in all\):\n299901\n/);
    assert.match(huge, /\n300000\n--- stderr: \(empty\)$/);
    await f.text('run_command', { command: 'mkdir -p sub && echo hi > sub/f.txt' }, ctx);
    assert.match(await f.text('run_command', { command: 'pwd && cat f.txt', cwd: 'sub' }, ctx), /--- stdout:\n\/workspace\/sub\nhi/);
    assert.match(await f.text('run_command', { command: 'pwd', cwd: '/workspace/sub' }, ctx), /--- stdout:\n\/workspace\/sub/);
    const missing = await f.text('run_command', { command: 'no_such_program_zz' }, ctx);
    assert.match(missing, /exit code 127/);
    assert.match(missing, /--- errors detected/);
    await assert.rejects(f.call('run_command', { command: 'true', cwd: 'nope' }, ctx), (e: unknown) => e instanceof ToolError && /The folder \/workspace\/nope does not exist/.test(e.message));
    await assert.rejects(f.call('run_command', { command: 'true', cwd: '../etc' }, ctx), (e: unknown) => e instanceof ToolError && /must be inside \/workspace/.test(e.message));
  });

  test('a command over its timeout is killed and said to have timed out', async () => {
    const ctx = f.context(project);
    const out = await f.text('run_command', { command: 'echo start; sleep 30', timeout_seconds: 1 }, ctx);
    assert.match(out, /TIMED OUT after 1 s and was killed/);
    assert.match(out, /--- stdout:\nstart/);
  });

  test('cancelling the turn kills the command', async () => {
    const ac = new AbortController();
    const ctx = f.context(project, 'engineer', { signal: ac.signal });
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    ctx.runOutput = (_id, _s, data) => {
      if (data.includes('ready')) started();
    };
    const call = f.text('run_command', { command: 'echo ready; sleep 60; echo never' }, ctx);
    await running;
    ac.abort();
    const out = await call;
    assert.match(out, /killed: the turn was cancelled/);
    assert.doesNotMatch(out, /\nnever/);
    const runId = ctx.runs[0] as string;
    assert.equal(f.env.containers.getRun(project, runId).status, 'killed');
    // A turn already cancelled runs nothing.
    await assert.rejects(f.call('run_command', { command: 'true' }, ctx), /cancelled; the command was not run/);
  });
});
