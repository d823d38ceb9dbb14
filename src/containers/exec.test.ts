/**
 * Command execution on the real engine, through both ways in: the persistent
 * runner (Debian image with perl) and one docker exec per command (busybox:
 * no perl, so the runner cannot start and the service falls back).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExecuteRequest, type Project } from '../contracts/index.ts';
import type { RunRecord } from './exec/run.ts';
import { NO_PERL_IMAGE, TEST_IMAGE, containerTestEnv, dockerSuite, dockerUnavailableReason, requireDocker, type ContainerTestEnv } from './testing.ts';

const reason = await dockerUnavailableReason([TEST_IMAGE, NO_PERL_IMAGE]);
const ctx = { userId: null, keyId: null, clientType: null };

/** Lines of processes still alive (not zombies) whose command line matches `sleep 313`. */
const STRAGGLERS = `for d in /proc/[0-9]*; do if tr '\\000' ' ' < $d/cmdline 2>/dev/null | grep -q 'sleep 31[3]'; then st=$(cut -d' ' -f3 $d/stat 2>/dev/null); [ "$st" != Z ] && echo "alive $d"; fi; done; true`;

async function noStragglers(env: ContainerTestEnv, p: Project): Promise<string> {
  // SIGKILL is delivered at once, but a killed process may take a moment to leave the process table.
  let out = '';
  for (let i = 0; i < 20; i++) {
    out = (await env.exec(p, STRAGGLERS)).stdout;
    if (out === '') return out;
    await new Promise((r) => setTimeout(r, 100));
  }
  return out;
}

for (const channel of ['runner', 'exec'] as const) {
  describe(`command execution through the ${channel === 'runner' ? 'runner' : 'docker exec fallback'} (real engine)`, dockerSuite(reason), () => {
    let env: ContainerTestEnv;
    let p: Project;
    before(async () => {
      requireDocker(reason);
      env = containerTestEnv(channel === 'exec' ? { images: { blank: NO_PERL_IMAGE }, killGraceMs: 500 } : { killGraceMs: 500 });
      p = env.project(`exec-${channel}`, { env: { FROM_SETTINGS: 'yes' } });
      const s = await env.containers.start(p);
      assert.equal(s.channel, channel, `the ${channel} path is the one under test`);
    });
    after(() => env?.close());

    test('exit codes', async () => {
      assert.equal((await env.exec(p, 'exit 3')).exit_code, 3);
      assert.equal((await env.exec(p, ['true'])).exit_code, 0);
      assert.equal((await env.exec(p, ['false'])).exit_code, 1);
      const missing = await env.exec(p, ['no-such-command-here']);
      assert.equal(missing.exit_code, 127);
      assert.equal(missing.status, 'exited');
      const killed = await env.exec(p, 'kill -9 $$');
      assert.equal(killed.exit_code, 137);
    });

    test('stdout and stderr are kept apart; argv is not re-parsed by a shell', async () => {
      const r = await env.exec(p, 'echo out; echo err >&2; echo out2');
      assert.equal(r.stdout, 'out\nout2\n');
      assert.equal(r.stderr, 'err\n');
      const argv = await env.exec(p, ['echo', '$HOME', 'a  b', "it's"]);
      assert.equal(argv.stdout, "$HOME a  b it's\n");
    });

    test('stdin, env (settings and request), cwd', async () => {
      assert.equal((await env.exec(p, ['cat'], { stdin: 'hello\nworld' })).stdout, 'hello\nworld');
      assert.equal((await env.exec(p, 'cat')).stdout, '', 'no stdin: /dev/null');
      const e = await env.exec(p, 'echo $FROM_SETTINGS $FROM_REQUEST $HOME', { env: { FROM_REQUEST: 'also' } });
      assert.equal(e.stdout, 'yes also /home/zeblit\n');
      mkdirSync(join(env.projects.workspace(p), 'sub', 'deeper'), { recursive: true });
      assert.equal((await env.exec(p, 'pwd', { cwd: 'sub/deeper' })).stdout, '/workspace/sub/deeper\n');
      assert.equal((await env.exec(p, 'pwd', { cwd: '/workspace/sub' })).stdout, '/workspace/sub\n');
    });

    test('output streams in order, as produced', async () => {
      const records: RunRecord[] = [];
      const run = await env.containers.run(ctx, p, ExecuteRequest.parse({ command: 'for i in 1 2 3; do echo out$i; sleep 0.1; echo err$i >&2; sleep 0.1; done' }));
      run.listen((r) => records.push(r));
      const result = await run.finished;
      const seq = records.map((r) => (r.type === 'exit' ? 'exit' : `${r.type}:${r.data.trim()}`));
      assert.deepEqual(seq, ['stdout:out1', 'stderr:err1', 'stdout:out2', 'stderr:err2', 'stdout:out3', 'stderr:err3', 'exit']);
      assert.equal(result.exit_code, 0);
    });

    test('concurrent commands are multiplexed without mixing', async () => {
      const results = await Promise.all([1, 2, 3, 4, 5].map((i) => env.exec(p, `echo start${i}; sleep 0.$i; echo end${i} >&2; exit ${i}`)));
      results.forEach((r, k) => {
        const i = k + 1;
        assert.equal(r.stdout, `start${i}\n`);
        assert.equal(r.stderr, `end${i}\n`);
        assert.equal(r.exit_code, i);
      });
    });

    test('a timeout kills the whole process tree, TERM-proof and setsid children included', async () => {
      const started = Date.now();
      const r = await env.exec(p, "sleep 313 & sh -c 'trap \"\" TERM; sleep 313' & setsid sleep 313 & echo started; wait", { timeout_seconds: 1 });
      assert.equal(r.status, 'timed_out');
      assert.equal(r.timed_out, true);
      assert.equal(r.stdout, 'started\n');
      assert.ok(Date.now() - started < 10_000, 'answers soon after the timeout');
      assert.equal(await noStragglers(env, p), '', 'nothing of the command runs afterwards');
    });

    test('detach, follow, then kill', async () => {
      const run = await env.containers.run(ctx, p, ExecuteRequest.parse({ command: 'echo begun; sleep 313; echo never', detach: true }));
      await new Promise((r) => setTimeout(r, 500));
      const live = env.containers.getRun(p, run.id);
      assert.equal(live.status, 'running');
      assert.equal(live.detached, true);
      assert.equal(live.stdout, 'begun\n');
      const killed = await env.containers.killRun(p, run.id);
      assert.equal(killed.status, 'killed');
      assert.equal(killed.stdout, 'begun\n');
      assert.equal(await noStragglers(env, p), '');
      const listed = env.containers.listRuns(p, { status: 'killed' });
      assert.ok(listed.items.some((r) => r.id === run.id && r.channel === channel));
    });

    test('a command that prints hundreds of MB: output capped, memory bounded, exit record returned', async () => {
      const rssBefore = process.memoryUsage().rss;
      const r = await env.exec(p, "head -c 200000000 /dev/zero | tr '\\000' a; echo done >&2", { timeout_seconds: 120 });
      const grown = process.memoryUsage().rss - rssBefore;
      assert.equal(r.exit_code, 0);
      assert.equal(r.stdout_bytes, 200_000_000);
      assert.equal(r.stdout_truncated, true);
      assert.ok(r.stdout.length < 1.1 * (1 << 20), `kept ${r.stdout.length} characters`);
      assert.match(r.stdout, /\[… \d+ bytes omitted …\]/);
      assert.equal(r.stderr, 'done\n');
      assert.ok(grown < 150 * 1024 * 1024, `daemon memory grew by ${Math.round(grown / 1048576)} MiB`);
      const rec = env.containers.getRun(p, r.run_id);
      assert.equal(rec.stdout_bytes, 200_000_000);
      assert.ok(rec.stdout.length <= 64 * 1024);
    });

    test('every run is recorded', () => {
      const page = env.containers.listRuns(p, { limit: 500 });
      assert.ok(page.total >= 10);
      for (const r of page.items) {
        assert.equal(r.project_id, p.id);
        assert.equal(r.channel, channel);
        assert.notEqual(r.status, 'running');
        assert.ok(r.finished_at !== null && r.duration_ms !== null);
      }
    });
  });
}
