import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeConnection, resolveConnection } from './connection.ts';

const HOME = '/tmp/zb-home';
const sock = `${HOME}/zeblitd.sock`;

describe('resolveConnection', () => {
  it('defaults to the home socket, as the owner', () => {
    const c = resolveConnection({ ZEBLIT_HOME: HOME }, {}, null);
    assert.deepEqual(c, { transport: { kind: 'unix', socketPath: sock }, source: 'default', local: true });
    assert.equal(describeConnection(c), `unix socket ${sock}`);
  });

  it('prefers ZEBLIT_HOST with ZEBLIT_API_KEY over the saved host and key', () => {
    const c = resolveConnection(
      { ZEBLIT_HOME: HOME, ZEBLIT_HOST: '127.0.0.1:9000', ZEBLIT_API_KEY: 'zbl_env' },
      { host: 'http://127.0.0.1:7823' },
      { api_key: 'zbl_saved', host: 'http://127.0.0.1:7823', saved_at: 0 },
    );
    assert.deepEqual(c, { transport: { kind: 'tcp', baseUrl: 'http://127.0.0.1:9000', token: 'zbl_env' }, source: 'env', local: false });
  });

  it('uses the saved host with the key saved for it', () => {
    const c = resolveConnection({ ZEBLIT_HOME: HOME }, { host: 'http://127.0.0.1:7823' }, { api_key: 'zbl_saved', host: 'http://127.0.0.1:7823', saved_at: 0 });
    assert.deepEqual(c.transport, { kind: 'tcp', baseUrl: 'http://127.0.0.1:7823', token: 'zbl_saved' });
    assert.equal(c.source, 'config');
  });

  it('never sends a saved key to another host', () => {
    const c = resolveConnection({ ZEBLIT_HOME: HOME, ZEBLIT_HOST: 'http://127.0.0.1:9999' }, {}, { api_key: 'zbl_saved', host: 'http://127.0.0.1:7823', saved_at: 0 });
    assert.equal(c.transport.token, undefined);
    const local = resolveConnection({ ZEBLIT_HOME: HOME }, {}, { api_key: 'zbl_saved', host: 'http://127.0.0.1:7823', saved_at: 0 });
    assert.equal(local.transport.token, undefined);
  });

  it('sends a key saved for the socket, or ZEBLIT_API_KEY, over the socket', () => {
    assert.equal(resolveConnection({ ZEBLIT_HOME: HOME }, {}, { api_key: 'zbl_sock', host: null, saved_at: 0 }).transport.token, 'zbl_sock');
    assert.equal(resolveConnection({ ZEBLIT_HOME: HOME, ZEBLIT_API_KEY: 'zbl_env' }, {}, null).transport.token, 'zbl_env');
  });

  it('treats a unix:// host naming the home socket as local', () => {
    assert.equal(resolveConnection({ ZEBLIT_HOME: HOME, ZEBLIT_HOST: `unix://${sock}` }, {}, null).local, true);
    assert.equal(resolveConnection({ ZEBLIT_HOME: HOME, ZEBLIT_HOST: 'unix:///elsewhere.sock' }, {}, null).local, false);
  });

  it('reports a host it cannot read', () => {
    assert.throws(() => resolveConnection({ ZEBLIT_HOME: HOME, ZEBLIT_HOST: 'ftp://x' }, {}, null), (e: unknown) => (e as { code?: string }).code === 'INVALID_HOST');
  });
});
