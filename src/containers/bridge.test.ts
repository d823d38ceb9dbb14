import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConsoleCapture, ConsoleChunk } from '../console/index.ts';
import type { EventBus } from '../events/index.ts';
import { bridgeEvents } from './bridge.ts';
import { Emitter, type ContainerEvents } from './emitter.ts';
import { silentLog } from './options.ts';

/** Hand-written stand-ins: the bus and the capture only record what they are given. */
function fakes() {
  const published: { projectId: string; type: string; data: unknown }[] = [];
  const written: ConsoleChunk[] = [];
  const ended: string[] = [];
  const bus = { publish: (projectId: string, type: string, data: unknown) => published.push({ projectId, type, data }) } as unknown as EventBus;
  const capture = { write: (c: ConsoleChunk) => written.push(c), endRun: (_p: string, runId: string | null) => ended.push(runId ?? '') } as unknown as ConsoleCapture;
  return { published, written, ended, bus, capture };
}

describe('bridge: containers events onto the bus and the console', () => {
  test('container.status and build.status are republished in the bus shapes', () => {
    const f = fakes();
    const events = new Emitter<ContainerEvents>();
    bridgeEvents(events, { bus: f.bus, capture: f.capture, log: silentLog });
    events.emit('container.status', { project_id: 'prj_a', state: 'exited', previous: 'running', reason: 'OOM killed', exit_code: 137, oom_killed: true, at: 1 });
    events.emit('build.status', { template: 'python', image: 'python:3.12-slim', project_id: 'prj_a', status: 'pulling', message: 'pulling', progress: { current: 25, total: 100 }, at: 1 });
    events.emit('build.status', { template: 'python', image: 'zeblit/python:local', project_id: 'prj_a', status: 'fallback', message: 'local', progress: null, at: 2 });
    events.emit('build.status', { template: 'python', image: 'x', project_id: null, status: 'ready', message: 'no project: not on a project stream', progress: null, at: 3 });
    assert.deepEqual(f.published, [
      { projectId: 'prj_a', type: 'container.status', data: { state: 'exited', previous: 'running', reason: 'OOM killed', exit_code: 137, oom_killed: true } },
      { projectId: 'prj_a', type: 'build.status', data: { image: 'python:3.12-slim', status: 'pulling', progress: 25, message: 'pulling' } },
      { projectId: 'prj_a', type: 'build.status', data: { image: 'zeblit/python:local', status: 'ready', progress: null, message: 'local' } },
    ]);
  });

  test('run output reaches the console, rate-limited per run, and what is dropped is said', () => {
    const f = fakes();
    let t = 0;
    const events = new Emitter<ContainerEvents>();
    const off = bridgeEvents(events, { bus: f.bus, capture: f.capture, log: silentLog, consoleBurstBytes: 10, consoleBytesPerSecond: 5, now: () => t });
    const out = (chunk: string) => events.emit('run.output', { project_id: 'prj_a', run_id: 'run_1', stream: 'stdout', chunk });
    out('12345');
    out('67890');
    out('dropped!'); // the burst is spent
    t += 2_000; // 10 bytes back
    out('later');
    events.emit('run.finished', { project_id: 'prj_a', run_id: 'run_1', status: 'exited', exit_code: 0, at: t });
    assert.deepEqual(
      f.written.map((c) => [c.source, c.data]),
      [
        ['exec', '12345'],
        ['exec', '67890'],
        ['system', '\n[zeblit: 8 characters of output were not kept in the console (more than 0 KiB/s)]\n'],
        ['exec', 'later'],
      ],
    );
    assert.deepEqual(f.ended, ['run_1']);
    off();
    out('after unsubscribe');
    assert.equal(f.written.length, 4);
  });

  test('a run started by an agent or the scheduler reaches the console under that source', () => {
    const f = fakes();
    const events = new Emitter<ContainerEvents>();
    bridgeEvents(events, { bus: f.bus, capture: f.capture, log: silentLog });
    events.emit('run.output', { project_id: 'prj_a', run_id: 'run_1', stream: 'stdout', chunk: 'a\n', source: 'agent' });
    events.emit('run.output', { project_id: 'prj_a', run_id: 'run_2', stream: 'stderr', chunk: 'b\n', source: 'scheduler' });
    events.emit('run.output', { project_id: 'prj_a', run_id: 'run_3', stream: 'stdout', chunk: 'c\n' });
    assert.deepEqual(
      f.written.map((c) => [c.runId, c.source]),
      [
        ['run_1', 'agent'],
        ['run_2', 'scheduler'],
        ['run_3', 'exec'],
      ],
    );
  });
});
