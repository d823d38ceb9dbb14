/** Idle auto-stop on the real engine, with a hand-moved clock and a short check interval. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ExecuteRequest } from '../contracts/index.ts';
import { containerTestEnv, dockerSuite, dockerUnavailableReason, requireDocker, type ContainerTestEnv } from './testing.ts';

const reason = await dockerUnavailableReason();

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('idle auto-stop (real engine)', dockerSuite(reason), () => {
  let env: ContainerTestEnv;
  let offset = 0;
  const now = () => Date.now() + offset;
  before(() => {
    requireDocker(reason);
    env = containerTestEnv({ now, idleCheckMs: 100 });
    env.containers.startBackground();
  });
  after(() => env?.close());

  test('stops after the idle timeout, measured from the last activity; 0 never stops', async () => {
    const idle = env.project('idle', { idle_timeout_minutes: 1 });
    const never = env.project('never', { idle_timeout_minutes: 0 });
    await env.containers.start(idle);
    await env.containers.start(never);
    offset += 50_000;
    await env.exec(idle, 'true'); // activity resets the clock
    offset += 30_000;
    await new Promise((r) => setTimeout(r, 400));
    assert.equal((await env.containers.status(idle)).state, 'running', '30 s after the last activity: still running');
    offset += 31_000;
    await until('the idle stop', async () => (await env.containers.status(idle)).state === 'stopped');
    const s = await env.containers.status(idle);
    assert.equal(s.exit?.reason, 'stopped after 1 min idle');
    assert.equal((await env.containers.status(never)).state, 'running');
    // The next access starts it again.
    assert.equal((await env.exec(idle, 'echo up')).stdout, 'up\n');
  });

  test('never while a run is active', async () => {
    const busy = env.project('busy', { idle_timeout_minutes: 1 });
    const run = await env.containers.run({ userId: null, keyId: null, clientType: null }, busy, ExecuteRequest.parse({ command: 'sleep 2; echo finished', detach: true }));
    offset += 5 * 60_000;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await env.containers.status(busy)).state, 'running', 'a run is active');
    const result = await run.finished;
    assert.equal(result.stdout, 'finished\n');
    assert.equal((await env.containers.status(busy)).state, 'running', 'the run just ended: that was activity');
    offset += 61_000;
    await until('the idle stop after the run', async () => (await env.containers.status(busy)).state === 'stopped');
  });
});
