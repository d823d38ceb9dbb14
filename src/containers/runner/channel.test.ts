/**
 * The runner and its channel without Docker: runner.pl runs under the host's
 * perl (any Linux with perl-base), fed through the same framing as in a container.
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { RunnerChannel, RunnerUnavailable } from './channel.ts';
import { FrameDecoder, MAX_PAYLOAD, parseExit, spawnPayload } from './protocol.ts';
import { hasPerl, localExec, runnerFrame, taggedProcesses as alive } from './testing.ts';

describe('runner protocol', () => {
  test('frames survive arbitrary chunking', () => {
    const big = Buffer.alloc(MAX_PAYLOAD, 'x');
    const all = Buffer.concat([runnerFrame('O', 7, 'hello'), runnerFrame('h', 0xfffffffe), runnerFrame('E', 3, big), runnerFrame('X', 7, '0 0 0')]);
    const want = ['O:7:5', `h:${0xfffffffe}:0`, `E:3:${MAX_PAYLOAD}`, 'X:7:5'];
    for (const size of [1, 2, 7, 9, 10, 4096, all.length]) {
      const got: string[] = [];
      const d = new FrameDecoder();
      for (let i = 0; i < all.length; i += size) d.push(all.subarray(i, i + size), (f) => got.push(`${f.type}:${f.id}:${f.payload.length}`));
      assert.deepEqual(got, want, `chunks of ${size}`);
    }
    const d = new FrameDecoder();
    const payloads: string[] = [];
    d.push(Buffer.concat([runnerFrame('O', 1, 'ab'), runnerFrame('O', 1, 'cd')]), (f) => payloads.push(f.payload.toString()));
    assert.deepEqual(payloads, ['ab', 'cd']);
  });

  test('spawn payload and exit record', () => {
    const p = spawnPayload({ argv: ['echo', ''], env: { A: '1=2' }, cwd: '/w', tag: 'run_x', stdin: true });
    assert.deepEqual(p.toString().split('\0'), ['i', 'run_x', '/w', '2', 'echo', '', 'A=1=2']);
    assert.throws(() => spawnPayload({ argv: ['a\0b'], env: {}, cwd: '/', tag: 't', stdin: false }));
    assert.deepEqual(parseExit(Buffer.from('137 9 1')), { code: 137, signal: 9, oom: true });
    assert.deepEqual(parseExit(Buffer.from('3 0 0')), { code: 3, signal: null, oom: false });
    assert.equal(parseExit(Buffer.from('3 0')), null);
    assert.equal(parseExit(Buffer.from('42 0 0 junk')), null);
  });
});

describe('runner channel over a local perl', { skip: hasPerl ? false : 'no perl on this machine' }, () => {
  let ch: RunnerChannel;
  before(async () => {
    ch = await RunnerChannel.open(localExec());
  });
  after(() => ch?.close());

  const run = async (argv: string[], opts: { stdin?: string; cwd?: string; tag?: string } = {}) => {
    const out = { stdout: '', stderr: '' };
    const p = ch.spawn({ argv, env: { ZB: 'yes' }, cwd: opts.cwd ?? tmpdir(), tag: opts.tag ?? `t${Math.random()}`, stdin: opts.stdin !== undefined }, { output: (s, c) => (out[s] += c.toString()) });
    if (opts.stdin !== undefined) {
      p.write(Buffer.from(opts.stdin));
      p.endInput();
    }
    return { ...(await p.done), ...out };
  };

  test('exit code, stdout apart from stderr, env, cwd, stdin', async () => {
    const r = await run(['sh', '-c', 'echo o; echo e >&2; echo $ZB; pwd; exit 5'], { cwd: '/' });
    assert.deepEqual([r.exitCode, r.stdout, r.stderr], [5, 'o\nyes\n/\n', 'e\n']);
    assert.equal((await run(['cat'], { stdin: 'piped' })).stdout, 'piped');
    assert.equal((await run(['cat'])).stdout, '');
    const missing = await run(['/no/such/program']);
    assert.equal(missing.exitCode, 127);
    assert.match(missing.stderr, /No such file/);
    const badCwd = await run(['true'], { cwd: '/no/such/dir' });
    assert.equal(badCwd.exitCode, null);
    assert.match(badCwd.error ?? '', /no such directory/);
  });

  test('kill reaches the whole tree, setsid escapees and TERM-proof children included', async () => {
    const tag = `kill${process.pid}`;
    const p = ch.spawn({ argv: ['sh', '-c', "sleep 300 & setsid sleep 300 & sh -c 'trap \"\" TERM; sleep 300' & wait"], env: {}, cwd: tmpdir(), tag, stdin: false }, { output() {} });
    for (let i = 0; i < 50 && alive(tag).length < 4; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(alive(tag).length >= 4, 'the tree is up');
    await p.kill('KILL');
    const exit = await p.done;
    assert.equal(exit.signal, 9);
    for (let i = 0; i < 50 && alive(tag).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(alive(tag), []);
  });

  test('ping, pause and resume', async () => {
    assert.equal(await ch.ping(2000), true);
    let got = 0;
    const p = ch.spawn({ argv: ['sh', '-c', 'head -c 1000000 /dev/zero'], env: {}, cwd: tmpdir(), tag: 'pause', stdin: false }, { output: (_s, c) => (got += c.length) });
    p.pause();
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(got <= 65_536 * 2, `paused early (got ${got})`);
    p.resume();
    assert.equal((await p.done).exitCode, 0);
    assert.equal(got, 1_000_000);
  });

  test('when the daemon side closes, the runner kills what runs and exits', async () => {
    const own = await RunnerChannel.open(localExec());
    const tag = `close${process.pid}`;
    const p = own.spawn({ argv: ['sleep', '300'], env: {}, cwd: tmpdir(), tag, stdin: false }, { output() {} });
    for (let i = 0; i < 50 && alive(tag).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    own.close();
    assert.match((await p.done).error ?? '', /stopped/);
    for (let i = 0; i < 100 && alive(tag).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(alive(tag), []);
  });

  test('a process that is not the runner is refused', async () => {
    await assert.rejects(RunnerChannel.open(localExec(['sh', '-c', 'echo hi; sleep 5']), { readyTimeoutMs: 300 }), RunnerUnavailable);
    await assert.rejects(RunnerChannel.open(localExec(['no-such-perl-here'])), RunnerUnavailable);
  });
});
