/**
 * Hostile and careless input against the built daemon: every answer is the
 * documented 4xx inside the envelope, never a 500, and the daemon stays up.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanup, createKey, request, sock, startDaemon, tcp, tempHome, type DaemonProc, type RawResponse, type RequestOptions } from './helpers.ts';

const P = '/api/v1/projects';
const JSON_TYPE = { 'content-type': 'application/json' };
const TWO_MIB = 2 * 1024 * 1024;

interface Case {
  name: string;
  req: RequestOptions;
  status: number;
  code: string;
  /** For VALIDATION_FAILED: a field the details must name. */
  field?: string;
}

const CASES: Case[] = [
  { name: 'malformed JSON', req: { method: 'POST', path: P, body: '{"name":', headers: JSON_TYPE }, status: 400, code: 'INVALID_JSON' },
  { name: 'empty JSON body', req: { method: 'POST', path: P, body: '', headers: JSON_TYPE }, status: 400, code: 'INVALID_JSON' },
  { name: 'an array instead of an object', req: { method: 'POST', path: P, json: [1, 2] }, status: 400, code: 'VALIDATION_FAILED', field: 'body' },
  { name: 'null body', req: { method: 'POST', path: P, json: null }, status: 400, code: 'VALIDATION_FAILED', field: 'body' },
  { name: 'wrong type (name: 42)', req: { method: 'POST', path: P, json: { name: 42 } }, status: 400, code: 'VALIDATION_FAILED', field: 'body.name' },
  {
    name: 'wrong nested type',
    req: { method: 'POST', path: P, json: { name: 'ok', settings: { cpus: 'many' } } },
    status: 400,
    code: 'VALIDATION_FAILED',
    field: 'body.settings.cpus',
  },
  { name: 'unknown field', req: { method: 'POST', path: P, json: { name: 'ok', bogus: 1 } }, status: 400, code: 'VALIDATION_FAILED', field: 'body' },
  {
    name: '__proto__ smuggled in',
    req: { method: 'POST', path: P, body: '{"name":"pp","__proto__":{"role":"admin"}}', headers: JSON_TYPE },
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  { name: 'huge name (100k chars)', req: { method: 'POST', path: P, json: { name: 'a'.repeat(100_000) } }, status: 400, code: 'VALIDATION_FAILED', field: 'body.name' },
  {
    name: 'huge description (500k chars)',
    req: { method: 'POST', path: P, json: { name: 'ok', description: 'x'.repeat(500_000) } },
    status: 400,
    code: 'VALIDATION_FAILED',
    field: 'body.description',
  },
  { name: 'bad project name', req: { method: 'POST', path: P, json: { name: '../etc' } }, status: 400, code: 'VALIDATION_FAILED', field: 'body.name' },
  { name: 'unknown template', req: { method: 'POST', path: P, json: { name: 'ok', template: 'cobol' } }, status: 400, code: 'VALIDATION_FAILED', field: 'body.template' },
  { name: 'empty update', req: { method: 'PUT', path: `${P}/whatever`, json: {} }, status: 400, code: 'VALIDATION_FAILED' },
  { name: 'unknown scope', req: { method: 'POST', path: '/api/v1/auth/keys', json: { name: 'k', scopes: ['root'] } }, status: 400, code: 'VALIDATION_FAILED', field: 'body.scopes.0' },
  { name: 'bad email', req: { method: 'POST', path: '/api/v1/users', json: { name: 'u', email: 'nope' } }, status: 400, code: 'VALIDATION_FAILED', field: 'body.email' },
  { name: 'non-numeric limit', req: { path: `${P}?limit=abc` }, status: 400, code: 'VALIDATION_FAILED', field: 'query.limit' },
  { name: 'absurd limit', req: { path: `${P}?limit=${'9'.repeat(30)}` }, status: 400, code: 'VALIDATION_FAILED', field: 'query.limit' },
  { name: 'id of 5000 chars', req: { path: `${P}/${'a'.repeat(5000)}` }, status: 400, code: 'VALIDATION_FAILED', field: 'param.id' },
  { name: 'broken percent-encoding in the id', req: { path: `${P}/%E0%A4%A` }, status: 404, code: 'NOT_FOUND' },
  { name: 'text/plain body', req: { method: 'POST', path: P, body: 'name=x', headers: { 'content-type': 'text/plain' } }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'no content type', req: { method: 'POST', path: P, body: '{"name":"x"}' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'oversized body (2 MiB)', req: { method: 'POST', path: P, json: { name: 'ok', description: 'x'.repeat(TWO_MIB) } }, status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { name: 'unknown route', req: { path: '/api/v1/nope' }, status: 404, code: 'NOT_FOUND' },
  { name: 'wrong method', req: { method: 'PATCH', path: P }, status: 405, code: 'METHOD_NOT_ALLOWED' },
];

function assertEnvelope(r: RawResponse, c: Case): void {
  assert.equal(r.status, c.status, `${c.name}: ${r.text.slice(0, 300)}`);
  assert.ok(r.body, `${c.name}: the answer is not JSON: ${r.text.slice(0, 200)}`);
  assert.equal(r.body.success, false);
  assert.equal(r.body.data, null);
  assert.equal(r.body.error?.code, c.code, c.name);
  assert.ok(r.body.error?.message, 'an error has a message');
  assert.match(r.body.metadata.request_id, /\S/);
  assert.equal(r.headers['x-request-id'], r.body.metadata.request_id);
  assert.doesNotMatch(r.text, /\bat .+\.(js|ts):\d+/, 'no stack trace in the body');
  if (c.field) {
    const details = r.body.error?.details as { field: string }[] | undefined;
    assert.ok(details?.some((d) => d.field === c.field), `${c.name}: details name ${c.field}: ${JSON.stringify(details)}`);
  }
}

describe('input validation through the built daemon', () => {
  let d: DaemonProc;
  let key: string;
  before(async () => {
    d = await startDaemon(tempHome('val'));
    key = (await createKey(d, 'validation', ['read', 'write', 'admin'])).key;
  });
  after(cleanup);

  for (const c of CASES) {
    it(`${c.name} → ${c.status} ${c.code} (socket and TCP)`, async () => {
      assertEnvelope(await request(sock(d), c.req), c);
      assertEnvelope(await request(tcp(d), { ...c.req, bearer: key }), c);
    });
  }

  it('a chunked 2 MiB body without Content-Length → 413 PAYLOAD_TOO_LARGE', async () => {
    const c: Case = {
      name: 'chunked',
      req: { method: 'POST', path: P, body: `{"name":"chunky","description":"${'x'.repeat(TWO_MIB)}"}`, headers: { ...JSON_TYPE, 'transfer-encoding': 'chunked' } },
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    };
    assertEnvelope(await request(sock(d), c.req), c);
    assertEnvelope(await request(tcp(d), { ...c.req, bearer: key }), c);
  });

  it('an over-long X-Request-Id is replaced, a sane one echoed', async () => {
    const long = await request(sock(d), { path: '/api/v1/health', headers: { 'x-request-id': 'x'.repeat(300) } });
    assert.equal(long.status, 200);
    assert.notEqual(long.body?.metadata.request_id, 'x'.repeat(300));
    const sane = await request(sock(d), { path: '/api/v1/health', headers: { 'x-request-id': 'trace-1234' } });
    assert.equal(sane.body?.metadata.request_id, 'trace-1234');
  });

  it('is still healthy, created nothing, and logged no internal error', async () => {
    const health = await request<{ status: string }>(sock(d), { path: '/api/v1/health' });
    assert.equal(health.body?.data?.status, 'ok');
    const list = await request<{ total: number }>(sock(d), { path: P });
    assert.equal(list.body?.data?.total, 0, 'no invalid request created a project');
    const log = readFileSync(join(d.home, 'logs', 'zeblitd.log'), 'utf8');
    const errors = log.split('\n').filter((l) => /"level":(50|60)/.test(l));
    assert.deepEqual(errors, [], 'error-level log lines');
    assert.ok(!/"status":5\d\d/.test(log), 'a request was answered with a 5xx');
  });
});
