/**
 * The daemon's end of the runner channel under attack, without Docker: what a
 * process in the container wrote into the channel before the runner was made
 * non-dumpable (issue 10: a forged exit record, a 2 GiB length, 16 MB of junk),
 * and a runner that stops answering. Fed through an in-memory runner, or the
 * real runner under the host's perl (SIGSTOPped).
 * The in-container half (the channel cannot be opened at all) is in
 * ../channel-security.test.ts.
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, describe, test } from 'node:test';
import type { ProcessExit } from '../exec/process.ts';
import { RunnerChannel, RunnerUnavailable, type ChannelEnd } from './channel.ts';
import { FrameDecoder, MAX_PAYLOAD, ProtocolError } from './protocol.ts';
import { fakeRunner, hasPerl, localExec, runnerFrame, taggedProcesses, type FakeRunner } from './testing.ts';

const GREETING = runnerFrame('R', 0, 'zeblit-runner 2 4242 dumpable=0');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pending = Symbol('pending');
const state = (p: Promise<ProcessExit>) => Promise.race([p, sleep(50).then(() => pending)]);

async function openFake(): Promise<{ runner: FakeRunner; ch: RunnerChannel; anomalies: string[]; ends: ChannelEnd[] }> {
  const runner = fakeRunner();
  const anomalies: string[] = [];
  const ends: ChannelEnd[] = [];
  const opening = RunnerChannel.open(runner.exec, { readyTimeoutMs: 1_000, onAnomaly: (a) => anomalies.push(a), onClose: (e) => ends.push(e) });
  runner.feed(GREETING);
  return { runner, ch: await opening, anomalies, ends };
}

function spawnSleep(ch: RunnerChannel, tag: string) {
  const out: string[] = [];
  const proc = ch.spawn({ argv: ['sleep', '25'], env: {}, cwd: '/', tag, stdin: false }, { output: (_s, c) => out.push(c.toString()) });
  return { proc, out };
}

describe('the runner channel against forged input (in-memory runner)', () => {
  test('a forged exit record or output for a command that does not run is dropped and logged; the running one is untouched', async () => {
    const { runner, ch, anomalies } = await openFake();
    const { proc, out } = spawnSleep(ch, 'run_detached');
    const id = runner.sent().find((f) => f.type === 'S')?.id ?? 0;
    runner.feed(Buffer.concat([runnerFrame('X', id + 1, '42 0 0'), runnerFrame('O', id + 7, 'forged'), runnerFrame('k', 999)]));
    assert.equal(await state(proc.done), pending, 'the running command is still running');
    assert.equal(anomalies.length, 3, anomalies.join('; '));
    assert.match(anomalies[0] ?? '', /exit record for a command that does not run/);
    // Its own exit record ends it; anything for it afterwards is an impossible sequence.
    runner.feed(runnerFrame('X', id, '0 0 0'));
    assert.deepEqual(await proc.done, { exitCode: 0, signal: null, error: null, oomKilled: false });
    runner.feed(Buffer.concat([runnerFrame('O', id, 'after the exit'), runnerFrame('X', id, '42 0 0')]));
    assert.deepEqual(out, []);
    assert.equal(anomalies.length, 5);
    assert.ok(ch.alive, 'a few stray frames are logged, not fatal');
    ch.close();
  });

  test('a runner that keeps sending frames for commands that do not run is given up', async () => {
    const { runner, ch, ends } = await openFake();
    const { proc } = spawnSleep(ch, 'run_victim');
    for (let i = 0; i < 100; i++) runner.feed(runnerFrame('X', 10_000 + i, '42 0 0'));
    assert.equal(ch.alive, false);
    assert.match((await proc.done).error ?? '', /runner channel broke/);
    assert.deepEqual(ends.map((e) => [e.cause, e.tags]), [['broken', ['run_victim']]]);
  });

  test('a 2 GiB length header closes the channel at once; the 16 MB behind it cost nothing and the event loop never stalls', async () => {
    const { runner, ch, anomalies, ends } = await openFake();
    const { proc } = spawnSleep(ch, 'run_wedged');
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const head = Buffer.alloc(9);
    head.write('O', 0, 'latin1');
    head.writeUInt32BE(1, 1);
    head.writeUInt32BE(0x8000_0000, 5);
    runner.feed(head);
    // 16 MB of junk in 64 KiB chunks, each its own event-loop turn, as a socket delivers them.
    const junk = Buffer.alloc(65_536, 0x61);
    for (let i = 0; i < 256; i++) {
      runner.feed(junk);
      await new Promise<void>((r) => setImmediate(r));
    }
    const wall = Number(process.hrtime.bigint() - started) / 1e6;
    const used = process.cpuUsage(cpu);
    loop.disable();
    const stallMs = loop.max / 1e6;
    assert.equal(ch.alive, false);
    assert.equal(runner.destroyed, true, 'the runner exec is torn down');
    assert.match((await proc.done).error ?? '', /a frame of 2147483648 bytes/);
    assert.deepEqual(ends.map((e) => e.cause), ['broken']);
    assert.match(anomalies.join('\n'), /closing the runner channel/);
    // Generous bounds for a loaded 2-core machine; the copying decoder took seconds here.
    assert.ok(stallMs < 100, `longest event-loop stall ${stallMs.toFixed(1)} ms`);
    assert.ok((used.user + used.system) / 1000 < 500, `${((used.user + used.system) / 1000).toFixed(0)} ms of CPU for 16 MB (wall ${wall.toFixed(0)} ms)`);
  });

  test('16 MB of junk, frames before the greeting, a second greeting, a malformed exit record: each closes the channel', async () => {
    const cases: [string, Buffer][] = [
      ['junk', Buffer.alloc(16 << 20, 0x41)],
      ['an exit record before the greeting', runnerFrame('X', 1, '42 0 0')],
    ];
    for (const [what, bytes] of cases) {
      const runner = fakeRunner();
      const opening = RunnerChannel.open(runner.exec, { readyTimeoutMs: 1_000 });
      runner.feed(bytes);
      await assert.rejects(opening, RunnerUnavailable, what);
      assert.equal(runner.destroyed, true, what);
    }
    for (const bytes of [GREETING, runnerFrame('X', 1, '42 zero 0'), Buffer.alloc(64, 0)]) {
      const { runner, ch, ends } = await openFake();
      const { proc } = spawnSleep(ch, 'run_x');
      runner.feed(bytes);
      assert.equal(ch.alive, false, bytes.subarray(0, 12).toString('latin1'));
      assert.match((await proc.done).error ?? '', /runner channel broke/);
      assert.equal(ends[0]?.cause, 'broken');
    }
  });

  test('a runner that could not make itself non-dumpable is refused', async () => {
    const runner = fakeRunner();
    const opening = RunnerChannel.open(runner.exec, { readyTimeoutMs: 1_000 });
    runner.feed(runnerFrame('R', 0, 'zeblit-runner 2 4242 dumpable=1'));
    await assert.rejects(opening, /non-dumpable/);
    const old = fakeRunner();
    const openingOld = RunnerChannel.open(old.exec, { readyTimeoutMs: 1_000 });
    old.feed(runnerFrame('R', 0, 'zeblit-runner 1 4242'));
    await assert.rejects(openingOld, /unexpected runner greeting/);
  });

  test('the decoder refuses at the header: it never waits for or buffers an announced length past the limit', () => {
    const d = new FrameDecoder();
    const head = Buffer.alloc(9);
    head.write('E', 0, 'latin1');
    head.writeUInt32BE(MAX_PAYLOAD + 1, 5);
    assert.throws(() => d.push(head, () => {}), ProtocolError);
    assert.throws(() => d.push(runnerFrame('O', 1, 'x'), () => {}), ProtocolError, 'broken for good');
    assert.throws(() => new FrameDecoder().push(runnerFrame('S', 1, 'x'), () => {}), /unknown frame type 0x53/);
  });
});

describe('a runner that stops answering (the host perl, SIGSTOPped)', { skip: hasPerl ? false : 'no perl on this machine' }, () => {
  const stopped: number[] = [];
  after(() => {
    for (const pid of stopped) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  });

  test('a kill returns within the deadline, the channel is given up with its runs settled, another channel carries on', async () => {
    const stuckExec = localExec();
    const ends: ChannelEnd[] = [];
    const stuck = await RunnerChannel.open(stuckExec, { ackTimeoutMs: 500, onClose: (e) => ends.push(e) });
    const healthy = await RunnerChannel.open(localExec(), { ackTimeoutMs: 500 });
    const tag = `stuck${process.pid}`;
    const victim = stuck.spawn({ argv: ['sleep', '300'], env: {}, cwd: tmpdir(), tag, stdin: false }, { output() {} });
    for (let i = 0; i < 100 && taggedProcesses(tag).length === 0; i++) await sleep(20);
    const pid = stuckExec.child.pid ?? 0;
    stopped.push(pid);
    process.kill(pid, 'SIGSTOP');

    const t0 = Date.now();
    await victim.kill('TERM');
    const waited = Date.now() - t0;
    assert.ok(waited >= 450 && waited < 3_000, `the kill returned after ${waited} ms`);
    assert.equal(stuck.alive, false);
    assert.match((await victim.done).error ?? '', /did not answer a kill within 500 ms/);
    assert.deepEqual(ends.map((e) => [e.cause, e.tags]), [['broken', [tag]]]);

    const out: Buffer[] = [];
    const other = healthy.spawn({ argv: ['echo', 'fine'], env: {}, cwd: tmpdir(), tag: 'other', stdin: false }, { output: (_s, c) => out.push(c) });
    assert.equal((await other.done).exitCode, 0);
    assert.equal(Buffer.concat(out).toString(), 'fine\n');
    healthy.close();
    for (const p of taggedProcesses(tag)) process.kill(Number(p), 'SIGKILL');
  });
});
