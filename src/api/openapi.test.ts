import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { VERSION } from '../contracts/index.ts';
import { makeTestApp } from './testing.ts';

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  enum?: unknown[];
  $ref?: string;
}
interface Operation {
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema }[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: Schema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: Schema }> }>;
}
interface Doc {
  openapi: string;
  info: { title: string; version: string };
  servers: { url: string }[];
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
  paths: Record<string, Record<string, Operation>>;
}

const BASE = '/api/v1';
const PUBLIC = ['GET /health', 'GET /openapi.json', 'POST /auth/token', 'POST /web/session'];
const isUpgrade = (key: string) => /^GET \/ws(\/projects\/\{id\}\/console|\/echo)?$/.test(key);
/** Routes whose body is a JSON object; strict schemas refuse unknown fields, and the document says so. */
const BODIES = ['POST /users', 'POST /auth/keys', 'POST /auth/token', 'POST /auth/telegram/verify', 'POST /projects', 'PUT /projects/{id}'];

describe('GET /api/v1/openapi.json', () => {
  const t = makeTestApp();
  after(() => t.close());
  let doc: Doc;
  const ops = () => Object.entries(doc.paths).flatMap(([path, byMethod]) => Object.entries(byMethod).map(([m, op]) => ({ key: `${m.toUpperCase()} ${path}`, path, op })));

  test('is an OpenAPI 3.1 document, public on TCP, with the bearer scheme', async () => {
    const res = await t.request('/api/v1/openapi.json');
    assert.equal(res.status, 200);
    doc = (await res.json()) as Doc;
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.version, VERSION);
    assert.deepEqual(doc.servers, [{ url: BASE }]);
    assert.deepEqual({ type: doc.components.securitySchemes.bearer?.type, scheme: doc.components.securitySchemes.bearer?.scheme }, { type: 'http', scheme: 'bearer' });
  });

  test('lists exactly the routes the app serves', () => {
    // Outside /api/v1 the app serves only the API reference page (/api/docs), OpenAI's API (/v1, docs/openai.md) and the
    // web client's page and assets (src/api/routes/web-app.ts): none of them is this API.
    const outside = t.app.routes
      .filter((r) => r.method !== 'ALL' && !r.path.startsWith(`${BASE}/`) && !r.path.startsWith('/api/docs') && !r.path.startsWith('/v1/'))
      .map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(outside.sort(), ['GET /', 'GET /assets/:name', 'GET /login']);
    const served = new Set(
      t.app.routes
        // The API under /api/v1; /api/docs is the page that renders this document, /v1 is OpenAI's API (docs/openai.md): not part of it.
        .filter((r) => r.method !== 'ALL' && r.path.startsWith(`${BASE}/`))
        .map((r) => `${r.method} ${r.path.slice(BASE.length).replace(/:(\w+)/g, '{$1}')}`),
    );
    const documented = new Set(ops().map((o) => o.key));
    // A wildcard route (`GET /projects/{id}/files/*`: file paths hold slashes) serves the documented paths below it.
    const wildcards = [...served].filter((k) => k.endsWith('/*')).map((k) => k.slice(0, -1));
    const coveredBy = (key: string) => wildcards.some((w) => key.startsWith(w) || `${key}/` === w);
    assert.ok(served.size > 20, 'the app has its routes');
    assert.deepEqual([...served].filter((k) => !documented.has(k) && !(k.endsWith('/*') && [...documented].some((d) => d.startsWith(k.slice(0, -1))))), [], 'served but not documented');
    assert.deepEqual([...documented].filter((k) => !served.has(k) && !coveredBy(k)), [], 'documented but not served');
  });

  test('every operation has a summary, a tag and its success response schema (the envelope)', () => {
    for (const { key, op } of ops()) {
      assert.ok(op.summary && op.summary.length > 3, `${key}: summary`);
      assert.ok(op.tags && op.tags.length > 0, `${key}: tags`);
      if (isUpgrade(key)) {
        assert.ok(op.responses['101'], `${key}: 101`);
        continue;
      }
      const ok = Object.keys(op.responses).find((c) => /^2\d\d$/.test(c));
      assert.ok(ok, `${key}: a 2xx response`);
      const content = op.responses[ok]?.content ?? {};
      // Downloads answer with the bytes themselves: a documented non-JSON body, no envelope.
      if (!content['application/json'] && Object.keys(content).length > 0) continue;
      const schema = content['application/json']?.schema;
      assert.ok(schema, `${key}: a JSON schema for ${ok}`);
      if (key === 'GET /openapi.json') continue;
      assert.deepEqual(Object.keys(schema.properties ?? {}).sort(), ['data', 'error', 'metadata', 'success'], `${key}: envelope`);
      const data = schema.properties?.data;
      assert.ok(data && (data.type || data.$ref || data.properties || Object.keys(data).length > 0), `${key}: data has a schema`);
    }
  });

  test('every operation documents its errors in the envelope', () => {
    for (const { key, op } of ops()) {
      if (key === 'GET /openapi.json') continue;
      for (const code of ['400', '401', '403', '404', '429']) {
        const schema = op.responses[code]?.content?.['application/json']?.schema;
        assert.ok(schema, `${key}: ${code}`);
        const codes = schema.properties?.error?.properties?.code?.enum ?? [];
        assert.ok(codes.includes('NOT_FOUND') && codes.includes('VALIDATION_FAILED'), `${key}: ${code} names the error codes`);
      }
    }
  });

  test('path parameters are declared and required', () => {
    for (const { key, path, op } of ops()) {
      for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
        const p = op.parameters?.find((x) => x.in === 'path' && x.name === name);
        assert.ok(p?.required, `${key}: path parameter ${name}`);
      }
    }
  });

  test('request bodies are documented as strict JSON objects', () => {
    const byKey = new Map(ops().map((o) => [o.key, o.op]));
    for (const key of BODIES) {
      const body = byKey.get(key)?.requestBody;
      assert.ok(body?.required, `${key}: body`);
      const schema = body.content['application/json']?.schema;
      assert.equal(schema?.type, 'object', `${key}: object`);
      assert.equal(schema?.additionalProperties, false, `${key}: unknown fields refused`);
      assert.ok(Object.keys(schema?.properties ?? {}).length > 0, `${key}: fields`);
    }
    const put = byKey.get('PUT /projects/{id}')?.requestBody?.content['application/json']?.schema;
    assert.equal(put?.properties?.settings?.additionalProperties, false, 'settings refuse unknown fields');
  });

  test('list queries are documented', () => {
    const list = doc.paths['/projects']?.get?.parameters?.map((p) => `${p.in}:${p.name}`).sort();
    assert.deepEqual(list, ['query:contains', 'query:limit', 'query:offset', 'query:q', 'query:status']);
    const audit = doc.paths['/audit']?.get?.parameters?.map((p) => p.name).sort();
    assert.deepEqual(audit, ['action', 'limit', 'offset', 'outcome', 'since', 'until', 'user_id']);
  });

  test('security: only health, the document, the token exchange and the web sign-in are public', () => {
    for (const { key, op } of ops()) {
      if (PUBLIC.includes(key)) assert.deepEqual(op.security, [], `${key}: public`);
      else assert.deepEqual(op.security, [{ bearer: [] }], `${key}: bearer`);
    }
  });
});

describe('GET /api/v1/openapi.json is built once and served with an ETag', () => {
  const t = makeTestApp({ rateLimit: { perSecond: 0.001, burst: 3 } });
  after(() => t.close());
  /** An anonymous GET as it arrives on the TCP listener from `address`. */
  const get = (address: string, headers: Record<string, string> = {}) =>
    Promise.resolve(
      t.app.request('http://127.0.0.1:7823/api/v1/openapi.json', { headers: { host: '127.0.0.1:7823', ...headers } }, { transport: 'tcp', incoming: { socket: { remoteAddress: address } } as never }),
    );

  test('not built with the app (daemon start does not pay for it); built at the first request, never again', async () => {
    assert.equal(t.app.openapiDocument.builds, 0);
    const a = await get('10.2.0.1');
    const b = await get('10.2.0.1');
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(t.app.openapiDocument.builds, 1);
    assert.match(a.headers.get('etag') ?? '', /^"[A-Za-z0-9_-]{43}"$/);
    assert.equal(a.headers.get('etag'), b.headers.get('etag'));
    assert.equal(a.headers.get('cache-control'), 'no-cache');
    assert.match(a.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(new Uint8Array(await a.arrayBuffer()), t.app.openapiDocument.get().bytes, 'the bytes served are the bytes built');
  });

  test('a conditional GET with the ETag is 304 with no body; another tag gets the document', async () => {
    const tag = t.app.openapiDocument.get().etag;
    const same = await get('10.2.0.2', { 'if-none-match': tag });
    assert.equal(same.status, 304);
    assert.equal(same.headers.get('etag'), tag);
    assert.equal((await same.arrayBuffer()).byteLength, 0);
    const listed = await get('10.2.0.2', { 'if-none-match': `"old", ${tag}` });
    assert.equal(listed.status, 304);
    const other = await get('10.2.0.2', { 'if-none-match': '"something-else"' });
    assert.equal(other.status, 200);
    assert.equal(t.app.openapiDocument.builds, 1);
  });

  test('anonymous requests count against the per-address limit; another address and the socket are not affected', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await get('10.2.0.3')).status, 200);
    const limited = await get('10.2.0.3');
    assert.equal(limited.status, 429);
    assert.ok(limited.headers.get('retry-after'));
    assert.equal((await get('10.2.0.4')).status, 200);
    assert.equal((await t.request('/api/v1/openapi.json', { transport: 'unix' })).status, 200);
  });
});
