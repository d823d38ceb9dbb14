import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, startFakeDaemon, type FakeDaemon, type FakeRequest } from '../../testing.ts';

const KEY = 'zbl_key1_secret';
const me = (transport: 'tcp' | 'unix') => ({
  user: { id: 'usr_1', name: 'alice', email: null, role: 'user', created_at: 0 },
  transport,
  key_id: 'key_1',
  client_type: 'cli',
  scopes: ['read', 'write'],
  auth: 'api_key',
});
const unauthorized = { status: 401, error: { code: 'UNAUTHORIZED', message: 'Invalid API key', suggestion: 'Check the key.' } };
const authed = (req: FakeRequest) => req.headers.authorization === `Bearer ${KEY}`;

describe('auth commands against a stand-in daemon over TCP', () => {
  const home = mkdtempSync(join(tmpdir(), 'zeblit-cli-auth-'));
  const config = join(home, 'config.json');
  const creds = join(home, 'credentials.json');
  const env = { ZEBLIT_HOME: home };
  let daemon: FakeDaemon;

  before(async () => {
    daemon = await startFakeDaemon(
      {
        'GET /users/me': (req) => (authed(req) ? { data: me('tcp') } : unauthorized),
        'GET /projects': (req) => (authed(req) ? { data: { items: [], total: 0, limit: 500, offset: 0 } } : unauthorized),
        'POST /auth/keys': (req) => {
          const body = req.body as { name: string; scopes?: string[]; expires_in_days?: number; client_type?: string };
          return {
            status: 201,
            data: { id: 'key_2', name: body.name, client_type: body.client_type ?? 'cli', scopes: body.scopes ?? ['read', 'write'], prefix: 'zbl_key2', created_at: 0, expires_at: 86_400_000, last_used_at: null, revoked_at: null, key: 'zbl_key2_newsecret' },
          };
        },
      },
      { tcp: true },
    );
    writeFileSync(config, JSON.stringify({ port: 7823, allowed_origins: ['http://localhost:5173'] }));
  });
  after(async () => {
    await daemon.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses a bad key and saves nothing', async () => {
    const r = await runCli(['auth', 'login', '--host', daemon.address, '--api-key', 'zbl_wrong'], env);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Error [UNAUTHORIZED]: Invalid API key\nHint: Check the key.\n');
    assert.equal(existsSync(creds), false);
    assert.deepEqual(JSON.parse(readFileSync(config, 'utf8')), { port: 7823, allowed_origins: ['http://localhost:5173'] });
  });

  it('needs a key for a TCP host when it cannot ask for one', async () => {
    const r = await runCli(['auth', 'login', '--host', daemon.address], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /A TCP host needs an API key/);
  });

  it('checks the key, then saves the host in config.json and the key in a 0600 file', async () => {
    const r = await runCli(['auth', 'login', '--host', daemon.address, '--api-key', KEY], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Logged in to ${daemon.address} as alice (user) with key key_1 [cli]\n`);
    assert.deepEqual(JSON.parse(readFileSync(config, 'utf8')), { port: 7823, allowed_origins: ['http://localhost:5173'], host: daemon.address });
    assert.equal(statSync(creds).mode & 0o777, 0o600);
    assert.equal(JSON.parse(readFileSync(creds, 'utf8')).api_key, KEY);
  });

  it('then talks to that host with the saved key', async () => {
    const r = await runCli(['list'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(daemon.requests.at(-1)?.headers.authorization, `Bearer ${KEY}`);
    const status = await runCli(['auth', 'status'], env);
    assert.match(status.stdout, /^User +alice \(usr_1\)$/m);
    assert.match(status.stdout, new RegExp(`^Daemon +tcp ${daemon.address} \\(from config\\.json\\)$`, 'm'));
  });

  it('lets ZEBLIT_HOST and ZEBLIT_API_KEY win over the saved ones', async () => {
    const r = await runCli(['list'], { ...env, ZEBLIT_HOST: daemon.address, ZEBLIT_API_KEY: 'zbl_other' });
    assert.equal(r.code, 1);
    assert.equal(daemon.requests.at(-1)?.headers.authorization, 'Bearer zbl_other');
  });

  it('reads the key from stdin with --api-key -', async () => {
    const r = await runCli(['auth', 'login', '--host', daemon.address, '--api-key', '-', '--json'], env, { stdin: `${KEY}\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).user.name, 'alice');
  });

  it('creates a key: the secret alone on stdout, the warning on stderr', async () => {
    const r = await runCli(['auth', 'create-key', 'laptop', '--scopes', 'read', '--expires-days', '7', '--client', 'editor'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(daemon.requests.at(-1)?.body, { name: 'laptop', client_type: 'editor', scopes: ['read'], expires_in_days: 7 });
    assert.equal(r.stdout, 'zbl_key2_newsecret\n');
    assert.match(r.stderr, /shown only this once/);
    const bad = await runCli(['auth', 'create-key', 'x', '--scopes', 'read,root'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Unknown scope root/);
    const badDays = await runCli(['auth', 'create-key', 'x', '--expires-days', 'soon'], env);
    assert.equal(badDays.code, 2);
  });

  it('logs out: the key file and the host go, the daemon keys stay', async () => {
    const r = await runCli(['auth', 'logout'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(creds), false);
    assert.deepEqual(JSON.parse(readFileSync(config, 'utf8')), { port: 7823, allowed_origins: ['http://localhost:5173'] });
    assert.match((await runCli(['auth', 'logout'], env)).stdout, /Nothing to forget/);
  });
});
