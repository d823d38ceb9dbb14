/**
 * The web suite's first steps and its last: signing in from the one-time
 * link (and what the session's cookie, CSRF token, CSP and Origin checks
 * refuse along the way), and signing out.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import WebSocket from 'ws';
import { createKey, request, runCli, tcp, waitFor } from '../helpers.ts';
import type { WebRun } from './harness.ts';

/** Registers the steps, in order, in the calling describe. */
export function signIn(w: WebRun): void {
  it('zeblit web --print gives a one-time link; the page trades it for an HttpOnly, SameSite=Strict cookie and drops it from the address', async () => {
    const { home, browser, context, page, shots, origin, env, shot, cookieName } = w;
    const r = await runCli(home, ['web', '--print'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const url = /(http:\/\/\S+)/.exec(r.stdout)?.[1];
    assert.ok(url, r.stdout);
    assert.match(url, new RegExp(`^${origin}/login#code=[A-Za-z0-9_-]{43}$`));
    await page.goto(url);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    assert.equal(page.url(), `${origin}/`, 'the code is gone from the address');
    // The tab's history: the blank page it opened with, then the page at / (the /login#code= entry was replaced).
    await page.goBack();
    assert.equal(page.url(), 'about:blank');
    await page.goForward();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    const cookies = await context.cookies(origin);
    const session = cookies.find((c) => c.name === cookieName());
    assert.ok(session, JSON.stringify(cookies));
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(session.path, '/');
    assert.ok(!(await page.evaluate<string>('document.cookie')).includes('zeblit_session'), 'no script reads the session cookie');
    await shot('01-projects');

    // The same link a second time (another browser profile): refused, and the page says how to get a new one.
    const other = await browser.newContext();
    const second = await other.newPage();
    await second.goto(url);
    await second.getByText('unknown or was already used').waitFor();
    assert.equal(second.url(), `${origin}/`);
    await second.screenshot({ path: join(shots, '00-link-used-twice.png') });
    await other.close();
  });

  it('zeblit web opens the link with the system opener ($BROWSER here); over TCP an admin key gets a link, a user key is refused', async () => {
    const { home, daemon, origin, env } = w;
    const dir = mkdtempSync(join(tmpdir(), 'zeblit-opener-'));
    const opener = join(dir, 'open.sh');
    writeFileSync(opener, `#!/bin/sh\necho "$1" > ${join(dir, 'opened')}\n`, { mode: 0o755 });
    const r = await runCli(home, ['web'], { env: { ...env(), BROWSER: opener } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Opened the web client in your browser/);
    await waitFor('the opener to run', () => existsSync(join(dir, 'opened')));
    assert.match(readFileSync(join(dir, 'opened'), 'utf8'), new RegExp(`^${origin}/login#code=`));

    const admin = await createKey(daemon, 'web-admin', ['read', 'write', 'admin']);
    const viaTcp = await runCli(home, ['web', '--print'], { env: { ...env(), ZEBLIT_HOST: origin, ZEBLIT_API_KEY: admin.key } });
    assert.equal(viaTcp.code, 0, viaTcp.stderr);
    assert.match(viaTcp.stdout, new RegExp(`${origin}/login#code=[A-Za-z0-9_-]{43}`));
    const user = await createKey(daemon, 'web-rw', ['read', 'write']);
    const refused = await runCli(home, ['web', '--print'], { env: { ...env(), ZEBLIT_HOST: origin, ZEBLIT_API_KEY: user.key } });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /FORBIDDEN/);
  });

  it('the page is served with the strict CSP, assets immutable; a foreign Origin is refused even with the session', async () => {
    const { daemon, context, page, origin, violations, cookieName } = w;
    const res = await request(tcp(daemon), { path: '/' });
    assert.equal(res.status, 200);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /connect-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /style-src 'self' 'nonce-[A-Za-z0-9+/=]+'(;|$)/);
    const script = /src="(\/assets\/main-[A-Z0-9]+\.js)"/.exec(res.text)?.[1];
    assert.ok(script, res.text);
    const asset = await request(tcp(daemon), { path: script });
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.doesNotMatch(res.text, /<script>|<style>| style=/, 'no inline script or style in the page');

    const cookie = (await context.cookies(origin)).find((c) => c.name === cookieName());
    const csrf = await page.evaluate<string | null>("sessionStorage.getItem('zeblit.csrf')");
    assert.ok(cookie && csrf);
    const headers = { cookie: `${cookie.name}=${cookie.value}`, 'x-zeblit-csrf': csrf };
    assert.equal((await request(tcp(daemon), { path: '/api/v1/users/me', headers })).status, 200);
    const foreign = await request(tcp(daemon), { path: '/api/v1/users/me', headers: { ...headers, origin: 'http://127.0.0.1:9' } });
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body?.error?.message, 'Origin "http://127.0.0.1:9" is not allowed');
    assert.equal((await request(tcp(daemon), { path: '/api/v1/users/me', headers: { cookie: headers.cookie } })).status, 401, 'the cookie alone');
    // From the browser: a page of another origin cannot use the session (its Origin is refused before anything runs).
    const target = JSON.stringify(`${origin.replace('127.0.0.1', 'localhost')}/api/v1/projects`);
    const blocked = await page
      .evaluate<number>(`fetch(${target}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}', credentials: 'include' }).then((r) => r.status)`)
      .catch((e: unknown) => String(e));
    assert.notEqual(blocked, 201, 'a cross-origin POST created nothing');
    // The page's own CSP stopped it before the daemon could (connect-src 'self'); that violation was this test's doing.
    assert.ok(violations.some((v) => v.includes("connect-src 'self'")), violations.join('\n'));
    violations.length = 0;
    await page.evaluate('window.__csp.length = 0');
  });

  it('a WebSocket takes the cookie with the CSRF token as the subprotocol csrf.<token>; the server selects zeblit.v1, never the token', async () => {
    const { daemon, context, page, origin, cookieName } = w;
    const cookie = (await context.cookies(origin)).find((c) => c.name === cookieName());
    const csrf = await page.evaluate<string | null>("sessionStorage.getItem('zeblit.csrf')");
    assert.ok(cookie && csrf);
    const url = `ws://127.0.0.1:${daemon.port}/api/v1/ws`;
    const open = (protocols: string[], headers: Record<string, string>) =>
      new Promise<{ status: number; protocol?: string }>((resolve, reject) => {
        const ws = new WebSocket(url, protocols, { headers: { cookie: `${cookie.name}=${cookie.value}`, ...headers }, handshakeTimeout: 5_000 });
        ws.on('open', () => {
          resolve({ status: 101, protocol: ws.protocol });
          ws.close();
        });
        ws.on('unexpected-response', (req, res) => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0 });
        });
        ws.on('error', reject);
      });
    for (const protocols of [[`csrf.${csrf}`, 'zeblit.v1'], ['zeblit.v1', `csrf.${csrf}`]]) assert.deepEqual(await open(protocols, { origin }), { status: 101, protocol: 'zeblit.v1' });
    assert.equal((await open(['zeblit.v1'], { origin })).status, 401, 'the cookie without its token');
    assert.equal((await open(['zeblit.v1', `csrf.${csrf}`], { origin: 'http://127.0.0.1:9' })).status, 403, 'a foreign Origin');
  });
}

/** The last step: registered after all others. */
export function signOut(w: WebRun): void {
  it('signs out: every later request with that cookie and token is refused; nothing broke the CSP', async () => {
    const { daemon, context, page, origin, violations, pageErrors, shot, cookieName } = w;
    const cookie = (await context.cookies(origin)).find((c) => c.name === cookieName());
    const csrf = await page.evaluate<string | null>("sessionStorage.getItem('zeblit.csrf')");
    assert.ok(cookie && csrf);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You signed out.').waitFor();
    await shot('12-signed-out');
    const after = await request(tcp(daemon), { path: '/api/v1/users/me', headers: { cookie: `${cookie.name}=${cookie.value}`, 'x-zeblit-csrf': csrf } });
    assert.equal(after.status, 401);
    assert.deepEqual(await page.evaluate<string[]>('window.__csp'), []);
    assert.deepEqual(violations, []);
    assert.deepEqual(pageErrors, []);
  });
}
