import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { VERSION } from '../../src/contracts/index.ts';
import { runCli, startFakeDaemon } from '../testing.ts';

describe('errors and exit codes', () => {
  const home = mkdtempSync(join(tmpdir(), 'zeblit-cli-errors-'));
  after(() => rmSync(home, { recursive: true, force: true }));

  it('does not start a daemon with --no-start or ZEBLIT_NO_AUTOSTART=1, and says how to', async () => {
    for (const [argv, env] of [
      [['list', '--no-start'], { ZEBLIT_HOME: home }],
      [['list'], { ZEBLIT_HOME: home, ZEBLIT_NO_AUTOSTART: '1' }],
    ] as const) {
      const r = await runCli([...argv], env);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^Error \[DAEMON_NOT_RUNNING\]: zeblitd is not running \(nothing answers on .*zeblitd\.sock\)\nHint: Start it with `zeblit daemon start`/);
    }
  });

  it('reports an unreachable TCP host', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const r = await runCli(['list'], { ZEBLIT_HOME: home, ZEBLIT_HOST: `http://127.0.0.1:${port}`, ZEBLIT_API_KEY: 'k' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error \[DAEMON_UNREACHABLE\]: Cannot reach zeblitd at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\nHint: Is zeblitd running there\?/);
  });

  it('exits 2 on stderr for an unknown command or option', async () => {
    const unknown = await runCli(['frobnicate'], { ZEBLIT_HOME: home });
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stdout, '');
    assert.match(unknown.stderr, /^Error \[UNKNOWN_COMMAND\]: "frobnicate" is not a zeblit command\nHint: `zeblit --help` lists every command\./);
    const option = await runCli(['list', '--bogus'], { ZEBLIT_HOME: home });
    assert.equal(option.code, 2);
    assert.match(option.stderr, /Unsupported option name \("--bogus"\)/);
  });

  it('`help <command>` is `<command> --help`; `help` alone the list of commands', async () => {
    const r = await runCli(['help', 'files', 'list'], { ZEBLIT_HOME: home });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /zeblit files list/);
    assert.match(r.stdout, /Examples/);
    const all = await runCli(['help'], { ZEBLIT_HOME: home });
    assert.equal(all.code, 0);
    assert.match(all.stdout, /zeblit files list/);
  });

  it('prints help with examples', async () => {
    const r = await runCli(['create', '--help'], { ZEBLIT_HOME: home });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Examples/);
    assert.match(r.stdout, /zeblit create web --template node/);
  });

  it('lists each field of a validation failure', async () => {
    const daemon = await startFakeDaemon(
      {
        'POST /projects': () => ({
          status: 400,
          error: {
            code: 'VALIDATION_FAILED',
            message: 'Invalid request: body.name: too long (and 1 more)',
            suggestion: 'See GET /api/v1/openapi.json for the expected shape.',
            details: [
              { field: 'body.name', message: 'too long', code: 'too_big' },
              { field: 'body.description', message: 'too long', code: 'too_big' },
            ],
          },
        }),
      },
      { socketPath: join(home, 'zeblitd.sock') },
    );
    try {
      const r = await runCli(['create', 'x'], { ZEBLIT_HOME: home });
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        'Error [VALIDATION_FAILED]: Invalid request: body.name: too long (and 1 more)\n  - body.name: too long\n  - body.description: too long\nHint: See GET /api/v1/openapi.json for the expected shape.\n',
      );
      const v = await runCli(['version', '--json'], { ZEBLIT_HOME: home });
      assert.deepEqual(JSON.parse(v.stdout), { cli: VERSION, daemon: VERSION, same: true });
    } finally {
      await daemon.close();
    }
  });

  it('a daemon of another version: commands note it once with the fix, and `version` says they differ', async () => {
    const other = mkdtempSync(join(tmpdir(), 'zeblit-cli-version-'));
    const daemon = await startFakeDaemon(
      {
        'GET /health': () => ({ data: { status: 'ok', version: '0.0.9', uptime_seconds: 1, database: { ok: true }, transport: 'unix', pid: process.pid } }),
        'GET /projects': () => ({ data: { items: [], total: 0, limit: 50, offset: 0 } }),
      },
      { socketPath: join(other, 'zeblitd.sock') },
      '0.0.9',
    );
    try {
      const r = await runCli(['list'], { ZEBLIT_HOME: other });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, `Note: zeblitd 0.0.9 is running; this zeblit is ${VERSION}. Run \`zeblit daemon restart\` to run the daemon of this version.\n`);
      const j = await runCli(['list', '--json'], { ZEBLIT_HOME: other });
      assert.equal(j.stderr, '', '--json output stays clean');
      const v = await runCli(['version'], { ZEBLIT_HOME: other });
      assert.match(v.stdout, /zeblitd  0\.0\.9\nThe versions differ: run `zeblit daemon restart`/);
      assert.deepEqual(JSON.parse((await runCli(['version', '--json'], { ZEBLIT_HOME: other })).stdout), { cli: VERSION, daemon: '0.0.9', same: false });
    } finally {
      await daemon.close();
      rmSync(other, { recursive: true, force: true });
    }
  });
});
