import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { VERSION } from '../contracts/version.ts';
import { envelopeOf, errorOf, makeTestApp } from './testing.ts';

const unix = { transport: 'unix' as const };
type Detail = { field: string; message: string; code: string };

describe('errors become the envelope with the right code and status', () => {
  const t = makeTestApp({ maxBodyBytes: 4096 });
  after(() => t.close());
  const post = (path: string, body: string, contentType?: string) =>
    t.request(path, { method: 'POST', ...unix, body, headers: contentType ? { 'content-type': contentType } : {} });

  test('every answer names the daemon and its version in Server (the CLI notes another version from it)', async () => {
    for (const path of ['/api/v1/health', '/api/v1/nope', '/api/v1/projects']) assert.equal((await t.request(path, unix)).headers.get('server'), `zeblitd/${VERSION}`, path);
  });

  test('unknown route: 404 NOT_FOUND with a pointer to the document', async () => {
    // (`/` is the web client's page.)
    for (const path of ['/api/v1/nope', '/api/v1/projects/x/y/z', '/nowhere', '/api/v2/health']) {
      const err = await errorOf(await t.request(path, unix), 404, 'NOT_FOUND');
      assert.ok(err.message.includes(path));
      assert.match(err.suggestion ?? '', /openapi\.json/);
    }
  });

  test('wrong method: 405 METHOD_NOT_ALLOWED with an Allow header listing what works', async () => {
    const cases: [string, string, string][] = [
      ['POST', '/api/v1/health', 'GET'],
      ['PATCH', '/api/v1/projects/abc', 'DELETE, GET, PUT'],
      ['DELETE', '/api/v1/projects', 'GET, POST'],
      ['GET', '/api/v1/auth/token', 'POST'],
      ['PUT', '/api/v1/users', 'GET, POST'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await t.request(path, { method, ...unix });
      const err = await errorOf(res, 405, 'METHOD_NOT_ALLOWED');
      assert.equal(res.headers.get('allow'), allow, `${method} ${path}`);
      assert.ok(err.message.startsWith(`${method} is not allowed`));
    }
  });

  test('a WebSocket route asked without an upgrade is 400, not a 405 that says "use GET"', async () => {
    const res = await t.request('/api/v1/ws/echo', unix);
    const err = await errorOf(res, 400, 'BAD_REQUEST');
    assert.match(err.message, /WebSocket/);
    assert.equal(res.headers.get('allow'), null);
  });

  test('body over the limit: 413 PAYLOAD_TOO_LARGE, nothing created', async () => {
    const err = await errorOf(await post('/api/v1/projects', JSON.stringify({ name: 'big', description: 'x'.repeat(5000) }), 'application/json'), 413, 'PAYLOAD_TOO_LARGE');
    assert.match(err.message, /4096 bytes/);
    assert.equal(t.deps.projects.list(t.deps.auth.users.owner().id).total, 0);
  });

  test('a body without JSON content type: 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
      const err = await errorOf(await post('/api/v1/projects', '{"name":"ct"}', ct), 415, 'UNSUPPORTED_MEDIA_TYPE');
      assert.match(err.suggestion ?? '', /application\/json/);
    }
  });

  test('JSON with a charset parameter is fine', async () => {
    const res = await post('/api/v1/projects', '{"name":"charset"}', 'application/json; charset=utf-8');
    assert.equal(res.status, 201);
  });

  test('malformed JSON: 400 INVALID_JSON, never a 500', async () => {
    for (const body of ['{"name":', '{name: "x"}', "{'name':'x'}", '', 'nul', '{"a":1}}']) {
      const res = await post('/api/v1/projects', body, 'application/json');
      await errorOf(res, 400, 'INVALID_JSON');
    }
  });

  test('schema failures: 400 VALIDATION_FAILED with one detail per field, located', async () => {
    const res = await t.request('/api/v1/projects', { method: 'POST', ...unix, json: { name: 5, template: 'cobol', settings: { cpus: 'many' } } });
    const err = await errorOf(res, 400, 'VALIDATION_FAILED');
    const details = err.details as Detail[];
    assert.deepEqual(details.map((d) => [d.field, d.code]).sort(), [
      ['body.name', 'invalid_type'],
      ['body.settings.cpus', 'invalid_type'],
      ['body.template', 'invalid_value'],
    ]);
    assert.ok(details.every((d) => d.message.length > 0));
    assert.match(err.message, /^Invalid request: body\.\w+.*\(and 2 more\)$/);
    assert.match(err.suggestion ?? '', /openapi\.json/);
  });

  test('non-object bodies are 400, not 500', async () => {
    for (const json of [[1, 2], null, 'name', 42, true]) {
      const err = await errorOf(await t.request('/api/v1/projects', { method: 'POST', ...unix, json }), 400, 'VALIDATION_FAILED');
      assert.equal((err.details as Detail[])[0]?.field, 'body');
    }
  });

  test('unknown fields are refused, at the top and nested, and named', async () => {
    const top = await errorOf(await t.request('/api/v1/projects', { method: 'POST', ...unix, json: { name: 'u', is_admin: true } }), 400, 'VALIDATION_FAILED');
    assert.deepEqual((top.details as Detail[]).map((d) => [d.field, d.code]), [['body', 'unrecognized_keys']]);
    assert.match((top.details as Detail[])[0]?.message ?? '', /is_admin/);
    const nested = await errorOf(await t.request('/api/v1/projects', { method: 'POST', ...unix, json: { name: 'u', settings: { privileged: true } } }), 400, 'VALIDATION_FAILED');
    assert.deepEqual((nested.details as Detail[]).map((d) => d.field), ['body.settings']);
  });

  test('huge strings within the body limit are refused by the schema, never stored', async () => {
    const big = makeTestApp();
    try {
      const res = await big.request('/api/v1/projects', { method: 'POST', ...unix, json: { name: 'n'.repeat(500_000) } });
      const err = await errorOf(res, 400, 'VALIDATION_FAILED');
      assert.deepEqual((err.details as Detail[]).map((d) => [d.field, d.code]), [['body.name', 'too_big']]);
      assert.ok(JSON.stringify(err).length < 2000, 'the error does not echo the huge value');
      await errorOf(await big.request('/api/v1/auth/keys', { method: 'POST', ...unix, json: { name: 'k'.repeat(100_000) } }), 400, 'VALIDATION_FAILED');
      await errorOf(await big.request(`/api/v1/projects?q=${'q'.repeat(201)}`, unix), 400, 'VALIDATION_FAILED');
    } finally {
      big.close();
    }
  });

  test('query and path parameters are validated with their location', async () => {
    const err = await errorOf(await t.request('/api/v1/projects?limit=abc', unix), 400, 'VALIDATION_FAILED');
    assert.equal((err.details as Detail[])[0]?.field, 'query.limit');
    const p = await errorOf(await t.request(`/api/v1/auth/keys/${'k'.repeat(65)}`, { method: 'DELETE', ...unix }), 400, 'VALIDATION_FAILED');
    assert.equal((p.details as Detail[])[0]?.field, 'param.key_id');
  });
});

describe('500 INTERNAL', () => {
  test('an unexpected failure shows no stack, no SQL, no paths; just the code and the request id', async () => {
    const t = makeTestApp();
    t.deps.database.close();
    try {
      for (const [path, init] of [
        ['/api/v1/projects', unix],
        ['/api/v1/users/me', unix],
        ['/api/v1/projects', { ...unix, method: 'POST', json: { name: 'x' } }],
      ] as const) {
        const res = await t.request(path, init);
        const body = await envelopeOf(res);
        assert.equal(res.status, 500);
        assert.equal(body.error?.code, 'INTERNAL');
        assert.deepEqual(Object.keys(body.error ?? {}).sort(), ['code', 'message']);
        assert.match(body.error?.message ?? '', /request id/);
        const text = JSON.stringify(body);
        for (const leak of ['stack', ' at ', 'sqlite', 'SQLITE', 'database connection', t.deps.paths.home, '.ts:', 'node_modules', 'Error:'])
          assert.ok(!text.includes(leak), `leaks ${leak}: ${text}`);
      }
    } finally {
      t.close();
    }
  });
});
