import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { zeblitPaths } from '../src/contracts/index.ts';
import { CliError } from './cli-error.ts';
import { isAlive } from '../src/contracts/index.ts';
import { startDaemon } from './daemon-start.ts';
import { stopDaemon } from './daemon-stop.ts';
import { runCli } from './testing.ts';

/** A stand-in zeblitd: lock file, health on the socket, graceful SIGTERM (unless told to ignore it). */
const FAKE_DAEMON = `
import { createServer } from 'node:http';
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const home = process.env.ZEBLIT_HOME;
const socket = join(home, 'zeblitd.sock');
const lock = join(home, 'zeblitd.lock');
if (process.env.FAKE_CRASH) { console.error('boom: cannot open the database'); process.exit(3); }
writeFileSync(lock, JSON.stringify({ pid: process.pid, socket, port: 7823, bind: '127.0.0.1', started_at: Date.now(), version: '0.0.1' }));
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ success: true, error: null, metadata: { timestamp: '', request_id: 'r', version: '0.0.1' },
    data: { status: 'ok', version: '0.0.1', uptime_seconds: 1, database: { ok: true }, transport: 'unix', pid: process.pid, home } }));
});
setTimeout(() => server.listen(socket), 200);
process.on('SIGTERM', () => {
  if (process.env.FAKE_IGNORE_TERM) return;
  server.close(() => { unlinkSync(lock); process.exit(0); });
});
`;

class Sink extends Writable {
  text = '';
  override _write(c: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.text += c.toString();
    cb();
  }
}

describe('starting and stopping the local daemon', () => {
  const root = mkdtempSync(join(tmpdir(), 'zeblit-cli-daemon-'));
  const program = join(root, 'zeblitd.mjs');
  writeFileSync(program, FAKE_DAEMON);
  const homes: string[] = [];
  const fresh = () => {
    const home = mkdtempSync(join(root, 'home-'));
    homes.push(home);
    return { env: { ZEBLIT_HOME: home }, paths: zeblitPaths({ ZEBLIT_HOME: home }) };
  };
  after(async () => {
    // Nothing may outlive the tests, even after a failure.
    for (const home of homes) await stopDaemon({ paths: zeblitPaths({ ZEBLIT_HOME: home }), timeoutMs: 500 }).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });

  it('spawns it detached, waits for health, and stops it with SIGTERM', async () => {
    const { env, paths } = fresh();
    const stderr = new Sink();
    const state = await startDaemon({ env, paths, stderr, program });
    assert.equal(state.started, true);
    assert.ok(state.pid && isAlive(state.pid));
    assert.equal(stderr.text, `Starting zeblitd… ready (pid ${state.pid})\n`);
    assert.ok(existsSync(join(paths.logs, 'zeblitd.out')));

    const again = await startDaemon({ env, paths, stderr: new Sink(), program });
    assert.deepEqual({ started: again.started, pid: again.pid }, { started: false, pid: state.pid });

    const status = await runCli(['daemon', 'status'], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^PID +${state.pid}$`, 'm'));

    const terms: number[] = [];
    const stopped = await stopDaemon({ paths, onTerm: (pid) => terms.push(pid) });
    assert.equal(stopped.state, 'stopped');
    assert.deepEqual(terms, [state.pid]);
    assert.equal(existsSync(paths.socket), false);
    assert.deepEqual(await stopDaemon({ paths }), { state: 'not-running' });
    const down = await runCli(['daemon', 'status'], env);
    assert.equal(down.code, 1);
    assert.match(down.stdout, /zeblitd is not running/);
  });

  it('kills a daemon that ignores SIGTERM after the deadline, and says so', async () => {
    const { env, paths } = fresh();
    const state = await startDaemon({ env: { ...env, FAKE_IGNORE_TERM: '1' }, paths, stderr: new Sink(), program });
    const killed: number[] = [];
    const result = await stopDaemon({ paths, timeoutMs: 300, onKill: (pid) => killed.push(pid) });
    assert.equal(result.state, 'killed');
    assert.deepEqual(killed, [state.pid]);
    assert.equal(isAlive(state.pid ?? -1), false);
  });

  it('reports a daemon that dies before it is ready, with its output', async () => {
    const { env, paths } = fresh();
    const stderr = new Sink();
    await assert.rejects(startDaemon({ env: { ...env, FAKE_CRASH: '1' }, paths, stderr, program }), (e: unknown) => {
      assert.ok(e instanceof CliError);
      assert.equal(e.code, 'DAEMON_START_FAILED');
      assert.match(e.message, /exited with code 3 before it was ready:\nboom: cannot open the database/);
      return true;
    });
    assert.equal(stderr.text, 'Starting zeblitd… failed\n');
  });

  it('says where the program should be when it is missing', async () => {
    const { env, paths } = fresh();
    await assert.rejects(startDaemon({ env, paths, stderr: new Sink(), program: join(root, 'absent.js') }), (e: unknown) => e instanceof CliError && e.code === 'DAEMON_NOT_FOUND');
  });
});
