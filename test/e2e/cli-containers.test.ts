/** The built CLI against the built daemon and the real engine: run, runs, start/stop/restart, status, logs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dockerSuite, dockerUnavailableReason } from '../../src/containers/testing.ts';
import type { ContainerStatus } from '../../src/contracts/index.ts';
import { runCli as runCliInProcess } from '../../cli/testing.ts';
import { useCliProject } from './project-daemon.ts';

const reason = await dockerUnavailableReason();

describe('zeblit run / runs / start / stop / restart / status / logs (built CLI, real engine)', dockerSuite(reason), () => {
  const s = useCliProject(reason, 'clic', 'clidemo');
  const { zeblit } = s;

  it('run streams stdout and stderr apart and exits with the command’s code', async () => {
    const r = await zeblit('run', 'echo out; echo err >&2; exit 3');
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    const argv = await zeblit('run', '--', 'sh', '-c', 'echo "$0 $1"', 'a b', 'c');
    assert.equal(argv.code, 0);
    assert.equal(argv.stdout, 'a b c\n');
    const env = await zeblit('run', '-e', 'GREETING=hi there', '--cwd', '/workspace', 'echo "$GREETING from $(pwd)"');
    assert.equal(env.stdout, 'hi there from /workspace\n');
  });

  it('--stdin feeds the command', async () => {
    const r = await runCliInProcess(['run', '--stdin', 'tr a-z A-Z'], { ZEBLIT_HOME: s.home, HOME: s.home }, { stdin: 'one\ntwo\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'ONE\nTWO\n');
  });

  it('a timeout exits 124 and says so', async () => {
    const r = await zeblit('run', '--timeout', '1', 'sleep 30');
    assert.equal(r.code, 124);
    assert.match(r.stderr, /timed out after 1 s/);
  });

  it('--detach prints the run id; runs lists it; runs --kill stops it', async () => {
    const d = await zeblit('run', '--detach', 'echo bg; sleep 300');
    assert.equal(d.code, 0);
    const id = d.stdout.trim();
    assert.match(id, /^run_[0-9a-z]{26}$/);
    const listed = await zeblit('runs', '--status', 'running');
    assert.match(listed.stdout, new RegExp(`${id}\\s+running`));
    const killed = await zeblit('runs', '--kill', id);
    assert.equal(killed.code, 0);
    assert.match(killed.stdout, new RegExp(`${id} killed`));
    const shown = await zeblit('runs', '--show', id);
    assert.match(shown.stdout, /Status\s+killed/);
    assert.match(shown.stdout, /--- stdout\nbg\n/);
    const json = JSON.parse((await zeblit('runs', '--json')).stdout) as { items: { id: string }[] };
    assert.ok(json.items.some((r) => r.id === id));
  });

  it('status, stop, start, restart, logs', async () => {
    const s = await zeblit('status');
    assert.equal(s.code, 0);
    assert.match(s.stdout, /Project\s+clidemo/);
    assert.match(s.stdout, /Container\s+running/);
    const stopped = await zeblit('stop');
    assert.match(stopped.stdout, /Container\s+stopped/);
    assert.match(stopped.stdout, /Reason\s+stopped by request/);
    assert.match((await zeblit('start', 'clidemo')).stdout, /Container\s+running/);
    const restarted = JSON.parse((await zeblit('restart', '--json')).stdout) as ContainerStatus;
    assert.equal(restarted.state, 'running');
    const logs = await zeblit('logs', '--tail', '5');
    assert.equal(logs.code, 0);
  });

  it('errors read like API errors', async () => {
    const r = await zeblit('run', '--project', 'no-such-project', 'true');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /NOT_FOUND/);
    const bad = await zeblit('run', '--cwd', '/etc', 'true');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /VALIDATION_FAILED/);
  });
});
