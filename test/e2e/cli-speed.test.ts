/**
 * What the built CLI loads to start (docs/cli.md, "Speed"). Not timed (the
 * figures are in scripts/bench/cli.ts): the test fails when a change makes
 * `zeblit --version` or `zeblit list` load code they do not need, which is
 * what made them slow: the whole CLI with every command, zod's schemas, ws,
 * https and TLS, child_process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanup, CLI_JS, DIST, fileMode, requireBuilt, startDaemon, tempHome, type DaemonProc } from './helpers.ts';

const TRACER = join(import.meta.dirname, 'fixtures', 'trace-loads.cjs');

interface Trace {
  files: string[];
  builtins: string[];
}

/** Runs node with the tracer preloaded and returns what it loaded. */
function traced(home: string, args: string[], env: Record<string, string> = {}): Trace & { stdout: string; stderr: string; status: number | null } {
  const out = join(home, `trace-${process.hrtime.bigint()}.jsonl`);
  const r = spawnSync(process.execPath, ['--require', TRACER, ...args], {
    env: { ...process.env, ZEBLIT_HOME: home, HOME: home, NO_COLOR: '1', ZEBLIT_TRACE_LOADS: out, ZEBLIT_HOST: '', ZEBLIT_API_KEY: '', ...env },
    encoding: 'utf8',
  });
  const trace = JSON.parse(readFileSync(out, 'utf8').trim()) as Trace;
  rmSync(out);
  return { ...trace, stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** Node's own modules that no start-up of a CLI on the local socket needs. */
const HEAVY = ['https', 'tls', '_tls_wrap', 'crypto', 'child_process', 'zlib', 'dgram', 'worker_threads', 'readline', 'inspector'];

describe('what the CLI loads to start', () => {
  let home: string;
  let daemon: DaemonProc;

  before(async () => {
    requireBuilt(CLI_JS);
    home = tempHome('speed');
    daemon = await startDaemon(home);
  });
  after(cleanup);

  it('`zeblit --version` reads the entry file only, and no more of Node than printing does', () => {
    const floor = traced(home, ['-e', "process.stdout.write('x\\n')"]);
    const t = traced(home, [CLI_JS, '--version']);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /^\d+\.\d+\.\d+\n$/);
    assert.deepEqual(t.files, [CLI_JS]);
    const extra = t.builtins.filter((m) => !floor.builtins.includes(m));
    assert.deepEqual(extra, [], `--version loaded Node modules that printing a line does not: ${extra.join(', ')}`);
  });

  it('`zeblit list` reads the entry, the shared code and its own bundle: no other command, no zod, no ws, https or child_process', () => {
    const t = traced(home, [CLI_JS, 'list']);
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, /No projects yet|NAME/);
    assert.deepEqual(t.files, [CLI_JS, join(DIST, 'cli', 'core.cjs'), join(DIST, 'cli', 'list.cjs')]);
    const heavy = t.builtins.filter((m) => HEAVY.includes(m));
    assert.deepEqual(heavy, [], `list loaded ${heavy.join(', ')}`);
    assert.ok(!t.builtins.includes('http') || t.builtins.includes('net'), 'it talks HTTP over the socket');
  });

  it('a command that needs the zod contracts loads them; one that does not, does not', () => {
    // `settings` shows DEFAULT_SETTINGS, a value built by zod (the project does not exist: it fails after loading).
    const settings = traced(home, [CLI_JS, 'settings', '-p', 'nope']);
    assert.match(settings.stderr, /NOT_FOUND/);
    assert.deepEqual(settings.files, [CLI_JS, join(DIST, 'cli', 'core.cjs'), join(DIST, 'cli', 'settings.cjs'), join(DIST, 'cli', 'schemas.cjs')]);
    const status = traced(home, [CLI_JS, 'daemon', 'status']).files;
    assert.ok(!status.some((f) => f.endsWith('schemas.cjs')), `daemon status read ${status.join(', ')}`);
  });

  it('keeps V8 code caches under ZEBLIT_HOME (0700, files 0600), one per bundle and build, and uses them next time', () => {
    traced(home, [CLI_JS, 'list']);
    const dir = join(home, 'cache', 'code', `${process.version}-${process.arch}`);
    assert.ok(existsSync(dir), `no ${dir}`);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const files = readdirSync(dir);
    const core = files.filter((f) => f.startsWith('core.cjs-') && f.endsWith('.bin'));
    assert.equal(core.length, 1, files.join(', '));
    assert.equal(fileMode(join(dir, core[0] ?? '')), 0o600);
    const before = statSync(join(dir, core[0] ?? '')).mtimeMs;
    traced(home, [CLI_JS, 'list']);
    assert.equal(statSync(join(dir, core[0] ?? '')).mtimeMs, before, 'an accepted cache is not rewritten');
    // ZEBLIT_CODE_CACHE=0 runs without one (and still works).
    rmSync(dir, { recursive: true });
    traced(home, [CLI_JS, 'list'], { ZEBLIT_CODE_CACHE: '0' });
    assert.ok(!existsSync(dir));
    assert.ok(daemon.pid > 0);
  });
});
