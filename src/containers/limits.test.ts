/** Limits hold on the real engine: a fork bomb and a memory hog stay inside their container. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Project } from '../contracts/index.ts';
import { containerTestEnv, dockerSuite, dockerUnavailableReason, requireDocker, type ContainerTestEnv } from './testing.ts';

const reason = await dockerUnavailableReason();

describe('limits (real engine)', dockerSuite(reason), () => {
  let env: ContainerTestEnv;
  let bystander: Project;
  before(async () => {
    requireDocker(reason);
    env = containerTestEnv({ killGraceMs: 500 });
    env.containers.startBackground();
    bystander = env.project('bystander');
    await env.containers.start(bystander);
  });
  after(() => env?.close());

  test('a fork bomb hits the pids limit, is killed at its timeout, and the container, the daemon and other projects carry on', async () => {
    const p = env.project('bomb', { pids: 64 });
    await env.containers.start(p);
    const t0 = Date.now();
    // The classic bomb, written out (a function that pipes itself into itself in the background).
    const r = await env.exec(p, 'bomb() { bomb | bomb & }; bomb; sleep 5', { timeout_seconds: 3 });
    assert.equal(r.status, 'timed_out');
    assert.ok(Date.now() - t0 < 20_000, `answered after ${Date.now() - t0} ms`);
    // The daemon (this process) answered; the container is usable again once the bomb is gone.
    const after = await env.exec(p, 'echo survived; ls /proc | grep -c "^[0-9]"');
    assert.equal(after.stdout.split('\n')[0], 'survived');
    assert.ok(Number(after.stdout.split('\n')[1]) < 20, `few processes left: ${after.stdout}`);
    const other = await env.exec(bystander, 'echo fine');
    assert.equal(other.stdout, 'fine\n');
  });

  test('a memory hog is OOM-killed: exit 137 and oom_killed reported; the container lives on', async () => {
    const p = env.project('hog', { memory_mb: 128 });
    await env.containers.start(p);
    // perl is in every Debian image: grow a string far past the limit.
    const r = await env.exec(p, ['perl', '-e', '$x = "a" x (600 * 1024 * 1024); print length $x']);
    assert.equal(r.exit_code, 137);
    assert.equal(r.oom_killed, true);
    assert.match(r.error ?? '', /out of memory/);
    const status = await env.containers.status(p);
    assert.equal(status.state, 'running', 'only the command died, not the container');
    assert.equal((await env.exec(p, 'echo ok')).stdout, 'ok\n');
    assert.equal((await env.exec(bystander, 'echo fine')).stdout, 'fine\n');
  });

  test('an OOM kill inside a shell is the run\'s; a later SIGKILL is not an OOM (issue 10, part 4)', async () => {
    const p = env.project('shell-hog', { memory_mb: 64 });
    await env.containers.start(p);
    // dash does not exec the last command of sh -c: the OOM killer takes tail, and sh reports it as 137.
    const hog = await env.exec(p, 'tail /dev/zero');
    assert.equal(hog.exit_code, 137);
    assert.equal(hog.oom_killed, true, 'the kill of a process in its tree is the run\'s');
    const killed = await env.exec(p, 'kill -9 $$');
    assert.equal(killed.exit_code, 137);
    assert.equal(killed.oom_killed, false, 'an OOM kill counted before it started is never a later run\'s');
    assert.equal(killed.error, null);
    // And the other way round: a SIGKILL first, then an OOM.
    assert.equal((await env.exec(p, 'sh -c \'kill -9 $$\'; exit $?')).oom_killed, false);
    assert.equal((await env.exec(p, 'echo start; tail /dev/zero; exit $?')).oom_killed, true);
  });
});
