import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ZeblitEvent } from '../contracts/index.ts';
import { ConsoleService } from './index.ts';
import { consoleFixture, type ConsoleFixture } from './testing.ts';

const TRACEBACK = ['Traceback (most recent call last):', '  File "/workspace/app.py", line 3, in <module>', '    import requests', "ModuleNotFoundError: No module named 'requests'"];

describe('error recording', () => {
  let fx: ConsoleFixture;
  before(() => (fx = consoleFixture('errors', 'e')));
  after(() => fx.close());

  // The 100 ms latency is measured in scripts/bench/console.ts, not asserted here: timed tests flake under load.
  it('turns a multi-line traceback into ONE error, published after its lines, and counts repeats', async () => {
    const { database, bus, projectId } = fx;
    const svc = new ConsoleService(database.db, bus);
    const events: ZeblitEvent[] = [];
    const off = bus.subscribe((e) => events.push(e));
    for (const run of ['run_1', 'run_2']) {
      svc.capture.write({ projectId, runId: run, source: 'exec', stream: 'stderr', data: TRACEBACK.join('\n') + '\n' });
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 120));
    off();
    const detected = events.filter((e) => e.type === 'console.error_detected');
    assert.equal(detected.length, 2);
    const lastLine = events.filter((e) => e.type === 'console.output').at(-1);
    assert.ok((detected[0]?.seq ?? 0) > (events.find((e) => e.type === 'console.output')?.seq ?? 0));
    assert.ok((detected[1]?.seq ?? 0) > (lastLine?.seq ?? 0));
    const stored = svc.store.errors(projectId);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.type, 'python.ModuleNotFoundError');
    assert.equal(stored[0]?.occurrences, 2);
    assert.equal(stored[0]?.file, '/workspace/app.py');
    assert.equal(stored[0]?.line, 3);
    assert.equal(stored[0]?.run_id, 'run_2');
    const errorLines = svc.store.history(projectId, { level: 'error' }).items;
    assert.ok(errorLines.some((l) => l.text.startsWith('ModuleNotFoundError')));
    const analysis = svc.analyze(stored, { template: 'python' });
    assert.equal(analysis.groups[0]?.occurrences, 2);
    assert.ok(analysis.groups[0]?.suggestions.some((s) => s.includes('pip install requests')));
    svc.close();
  });

  it('judges exit codes no line explained (137 with OOM)', () => {
    const { database, bus, projectId } = fx;
    const svc = new ConsoleService(database.db, bus);
    svc.runExited(projectId, 'run_oom', 137, true);
    const oom = svc.store.errors(projectId, { run_id: 'run_oom' });
    assert.equal(oom.length, 1);
    assert.match(oom[0]?.type ?? '', /oom|137|memory/i);
    svc.close();
  });
});
