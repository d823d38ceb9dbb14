import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { VERSION } from '../../contracts/index.ts';
import { makeTestApp } from '../testing.ts';

describe('/api/docs: the API reference, offline', () => {
  const t = makeTestApp();
  after(() => t.close());

  test('the page loads only files the daemon serves, under a strict CSP, without credentials (TCP)', async () => {
    const res = await t.request('/api/docs');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/, 'no inline or outside script');
    assert.match(csp, /connect-src 'self'/);
    const html = await res.text();
    assert.doesNotMatch(html, /https?:\/\//, 'no absolute URL: nothing from a CDN');
    assert.doesNotMatch(html, /<script>(?!<)/, 'no inline script');
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '').filter((r) => r !== 'data:,');
    assert.deepEqual(refs.sort(), [`/api/docs/init.js?v=${VERSION}`, `/api/docs/swagger-ui-bundle.js?v=${VERSION}`, `/api/docs/swagger-ui.css?v=${VERSION}`]);
    for (const ref of refs) {
      const asset = await t.request(ref);
      assert.equal(asset.status, 200, ref);
      assert.match(asset.headers.get('content-type') ?? '', ref.includes('.css') ? /^text\/css/ : /^text\/javascript/);
      assert.equal(asset.headers.get('content-security-policy'), csp);
      assert.ok((await asset.arrayBuffer()).byteLength > 0);
    }
    const init = await (await t.request('/api/docs/init.js')).text();
    assert.match(init, /url: '\/api\/v1\/openapi\.json'/);
    assert.match(init, /validatorUrl: null/, 'the validator badge would call validator.swagger.io');
    assert.equal((await t.request('/api/docs/')).status, 200);
  });

  test('the transport guards still apply: a foreign Host is refused', async () => {
    const res = await t.request('/api/docs', { headers: { host: 'evil.example:7823' } });
    assert.equal(res.status, 403);
  });
});
