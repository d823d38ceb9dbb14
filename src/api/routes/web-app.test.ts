import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { errorOf, makeTestApp, type TestApp } from '../testing.ts';

describe('the web client is served: the page with a strict CSP, hashed assets immutable', () => {
  let root: string;
  let t: TestApp;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'zeblit-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><meta name="zeblit-style-nonce" content="__ZEBLIT_STYLE_NONCE__"><script type="module" src="/assets/main-ABC123.js"></script>');
    writeFileSync(join(root, 'assets', 'main-ABC123.js'), 'console.log(1)');
    writeFileSync(join(root, 'assets', 'main-ABC123.css'), 'body{}');
    writeFileSync(join(root, 'secret.txt'), 'not an asset');
    t = makeTestApp({ webRoot: root });
  });
  after(() => {
    t.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('GET / and /login answer the page on TCP without credentials, with the strict CSP, never cached', async () => {
    const nonces = new Set<string>();
    for (const path of ['/', '/login', '/']) {
      const res = await t.request(path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /^default-src 'none'; /);
      assert.match(csp, /script-src 'self'(;|$)/, 'scripts from this origin only: no nonce, no inline');
      assert.match(csp, /connect-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /form-action 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
      // Styles: this origin, and the one <style> element (CodeMirror's) that carries this response's nonce.
      const nonce = /style-src 'self' 'nonce-([A-Za-z0-9+/=]{24})'(;|$)/.exec(csp)?.[1];
      assert.ok(nonce, csp);
      const html = await res.text();
      assert.match(html, /main-ABC123\.js/);
      assert.ok(html.includes(`content="${nonce}"`), 'the page gets the nonce of its own policy');
      assert.ok(!html.includes('__ZEBLIT_STYLE_NONCE__'));
      nonces.add(nonce);
    }
    assert.equal(nonces.size, 3, 'a fresh nonce for every response');
  });

  it('assets are immutable with their type; anything else under /assets is a plain 404', async () => {
    const js = await t.request('/assets/main-ABC123.js');
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(await js.text(), 'console.log(1)');
    assert.equal((await t.request('/assets/main-ABC123.css')).headers.get('content-type'), 'text/css; charset=utf-8');
    // (`/assets/../secret.txt` is normalised by the URL parser to /secret.txt: no route, and not public.)
    for (const path of ['/assets/nope.js', '/assets/..%2Fsecret.txt', '/assets/%2e%2e%2fsecret.txt', '/assets/../secret.txt', '/secret.txt']) {
      const res = await t.request(path);
      assert.ok(res.status === 404 || res.status === 401, `${path}: ${res.status}`);
      assert.doesNotMatch(await res.text(), /not an asset/);
    }
    const missing = await t.request('/assets/nope.js');
    assert.match(missing.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(missing.headers.get('cache-control'), 'no-store');
  });

  it('under /api nothing changed: unknown routes are 404 in the envelope, and still need credentials', async () => {
    await errorOf(await t.request('/api/v1/nope', { transport: 'unix' }), 404, 'NOT_FOUND');
    await errorOf(await t.request('/api/v1/projects'), 401, 'UNAUTHORIZED');
    await errorOf(await t.request('/elsewhere', { transport: 'unix' }), 404, 'NOT_FOUND');
    // The page does not open the API: a POST to / is no route.
    await errorOf(await t.request('/', { method: 'POST', transport: 'unix' }), 405, 'METHOD_NOT_ALLOWED');
  });

  it('API answers are never kept in a browser cache (no-store), except what says otherwise (openapi.json: no-cache with an ETag)', async () => {
    const list = await t.request('/api/v1/projects', { transport: 'unix' });
    assert.equal(list.status, 200);
    assert.equal(list.headers.get('cache-control'), 'no-store');
    const refused = await t.request('/api/v1/projects');
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('cache-control'), 'no-store');
    const doc = await t.request('/api/v1/openapi.json');
    assert.equal(doc.headers.get('cache-control'), 'no-cache');
    assert.ok(doc.headers.get('etag'));
  });

  it('the page is refused to a foreign Host (DNS rebinding) like the API', async () => {
    await errorOf(await t.request('/', { headers: { host: 'evil.example:7823' } }), 403, 'FORBIDDEN');
  });

  it('without a build the page says how to make one (503), and assets are 404', async () => {
    const bare = makeTestApp({ webRoot: null });
    try {
      const res = await bare.request('/');
      assert.equal(res.status, 503);
      assert.match(await res.text(), /node build\.mjs/);
      assert.equal((await bare.request('/assets/main-ABC123.js')).status, 404);
    } finally {
      bare.close();
    }
  });
});
