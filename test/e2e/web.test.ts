/**
 * The web client in a real browser: Debian's chromium driven by
 * playwright-core against the built daemon (dist/zeblitd.js serving
 * dist/web/), with the fake LLM as the provider and the real Docker engine
 * running the project's container. One user's path through every view, in
 * order: sign in from the one-time link, create a project, write a file in
 * the editor, run it and watch its output arrive live in the console, see
 * the detected error, chat with an agent and approve its command, see the
 * file's versions and diff, upload and download, the container and its
 * limits, review and undo an agent turn's changes, schedule a task and see
 * its runs, a project on a folder, usage, a phone's width, dark mode, and
 * signing out. Along the way:
 * the CSP header, no CSP violation in the page, the cookie's attributes, and
 * a foreign Origin refused.
 *
 * Screenshots of each view go to $TMPDIR/zeblit-web-shots/<run>/ (printed).
 * Needs /usr/bin/chromium (`apt-get install -y chromium`); without it the
 * suite fails with that instruction (ZEBLIT_REQUIRE_BROWSER=0 skips it).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import WebSocket from 'ws';
import { dockerSuite, dockerUnavailableReason, removeTestResources, requireDocker } from '../../src/containers/testing.ts';
import type { FileContent, Project } from '../../src/contracts/index.ts';
import { FakeLlm } from '../../src/llm/testing/fake-llm.ts';
import { cleanup, createKey, dataOf, request, runCli, sock, startDaemon, tcp, tempHome, waitFor, type DaemonProc } from './helpers.ts';

const CHROMIUM = process.env.ZEBLIT_CHROMIUM ?? '/usr/bin/chromium';
/** Without these Chromium reaches for the network (updates, sync, QUIC probes), which this machine does not have. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const PYTHON_IMAGE = 'zeblit/python:local';

const dockerReason = await dockerUnavailableReason([PYTHON_IMAGE]);
const browserMissing = existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing: apt-get install -y chromium`;
const skip = browserMissing && process.env.ZEBLIT_REQUIRE_BROWSER === '0' ? { skip: browserMissing } : dockerSuite(dockerReason);

describe('the web client in Chromium against the built daemon', skip, () => {
  let home: string;
  let daemon: DaemonProc;
  let fake: FakeLlm;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let shots: string;
  let origin: string;
  let project: Project;
  const projects: string[] = [];
  const violations: string[] = [];
  const pageErrors: string[] = [];
  const env = () => ({ ANTHROPIC_API_KEY: 'sk-e2e-fake', ANTHROPIC_BASE_URL: fake.anthropicBaseUrl, OPENAI_API_KEY: '', OPENAI_BASE_URL: '' });
  const api = async <T>(method: string, path: string, json?: unknown): Promise<T> => dataOf(await request<T>(sock(daemon), { method, path: `/api/v1${path}`, json, timeoutMs: 120_000 }));
  /**
   * Every view is checked for controls a screen reader could not name before its screenshot: buttons, links,
   * fields and editors without text, label, aria-label or aria-labelledby.
   */
  const unnamed = () =>
    page.evaluate<string[]>(`[...document.querySelectorAll('button, a[href], input:not([type=hidden]), select, textarea, summary, [contenteditable=true], [role=button]')]
      .filter((el) => el.getClientRects().length > 0)
      .filter((el) => {
        const byId = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).map((id) => document.getElementById(id)?.textContent || '').join('');
        const own = ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName) ? [...(el.labels || [])].map((l) => l.textContent).join('') : el.textContent;
        return !((el.getAttribute('aria-label') || '') + byId + (own || '') + (el.getAttribute('title') || '')).trim();
      })
      .map((el) => el.outerHTML.slice(0, 160))`);
  const shot = async (name: string) => {
    assert.deepEqual(await unnamed(), [], `controls without an accessible name in ${name}`);
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  };
  const cookieName = () => `zeblit_session_${daemon.port}`;
  /** Waits until an expression is true in the page (page.waitForFunction evaluates with eval, which the page's CSP refuses). */
  const until = (expression: string, timeoutMs = 10_000) => waitFor(expression, () => page.evaluate<boolean>(expression), timeoutMs, 50);

  before(async () => {
    if (browserMissing) throw new Error(`${browserMissing} (ZEBLIT_REQUIRE_BROWSER=0 skips this suite)`);
    if (dockerReason) requireDocker(dockerReason);
    shots = join(process.env.ZEBLIT_WEB_SHOTS ?? join(tmpdir(), 'zeblit-web-shots'), new Date().toISOString().replace(/[:.]/g, '-'));
    mkdirSync(shots, { recursive: true });
    process.stdout.write(`# web client screenshots: ${shots}\n`);
    fake = await FakeLlm.start();
    home = tempHome('web');
    daemon = await startDaemon(home, { env: env() });
    origin = `http://127.0.0.1:${daemon.port}`;
    await api('PUT', '/config/llm', { max_retries: 0, providers: { anthropic: { model: 'claude-haiku-4-5' } } });
    // playwright gives every launch a fresh, temporary --user-data-dir of its own (it refuses one in args).
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    // Reported by the page itself: anything the CSP blocked (an inline style or script, a connection elsewhere).
    // (Scripts for the page are strings: this file is compiled without the DOM's types.)
    await context.addInitScript(`window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`);
    page = await context.newPage();
    page.setDefaultTimeout(30_000);
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await removeTestResources(projects).catch(() => undefined);
    await cleanup();
    await fake?.close();
  });

  it('zeblit web --print gives a one-time link; the page trades it for an HttpOnly, SameSite=Strict cookie and drops it from the address', async () => {
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

  it('creates a project, writes a file in the editor and saves it', async () => {
    await page.getByLabel('Name').fill('webdemo');
    await page.getByLabel('Template').selectOption('python');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'webdemo' }).waitFor();
    project = await api<Project>('GET', '/projects/webdemo');
    projects.push(project.id);
    // Nothing here needs the network in the container; without one the project also takes none of the engine's
    // ~30 address pools, which the suites running beside this one on a shared machine can use up.
    await api('PUT', `/projects/${project.id}`, { settings: { network: 'none' } });
    await page.getByLabel('New file').fill('hello.py');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('heading', { name: 'hello.py' }).waitFor();
    const editor = page.locator('.editor .cm-content');
    await editor.waitFor();
    await editor.fill('print("hello from the web")\nprint(missing_name)\n');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/Saved \(version \d+\)/).waitFor();
    const file = await api<FileContent>('GET', `/projects/${project.id}/files/hello.py`);
    assert.equal(file.content, 'print("hello from the web")\nprint(missing_name)\n');
    await shot('02-editor');
  });

  it('runs the file and shows its output live in the console, with the detected error and its suggestion', async () => {
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByRole('heading', { name: 'Console' }).waitFor();
    const log = page.getByRole('log', { name: 'Console output' });
    await log.getByText('hello from the web').waitFor({ timeout: 120_000 });
    const detected = page.locator('.line.detected', { hasText: 'NameError' });
    await detected.waitFor({ timeout: 60_000 }).catch(async (e: unknown) => {
      await shot('03-console-FAILED');
      throw e;
    });
    const panel = page.getByRole('complementary', { name: 'Detected errors' });
    await panel.getByText('NameError').first().waitFor();
    await panel.getByText(/Suggestion:/).first().waitFor();
    await shot('03-console');
  });

  it('chats with an agent: streamed steps, an approval answered in the page, the turn’s cost', async () => {
    await api('PUT', `/projects/${project.id}`, { settings: { approval: 'ask' } });
    fake.reset();
    fake.script([{ text: 'I will run it.', tool_calls: [{ name: 'run_command', input: { command: 'python3 -c "print(6*7)"' } }] }, { text: 'It printed 42.' }]);
    await page.getByRole('link', { name: 'Chat' }).click();
    await page.getByLabel('Message').fill('Run a quick check');
    await page.getByLabel('Agent').selectOption('engineer');
    await page.getByRole('button', { name: 'Send' }).click();
    const approval = page.getByRole('group', { name: 'Approval needed' });
    await approval.waitFor({ timeout: 60_000 });
    await shot('04-chat-approval');
    await approval.getByRole('button', { name: 'Approve' }).click();
    const footer = page.locator('.turn-footer');
    await footer.waitFor({ timeout: 120_000 });
    assert.match(await footer.innerText(), /completed · .* tokens · \$[\d.]+ · 2 calls/);
    await page.getByText('It printed 42.').waitFor();
    await page.locator('.run-output', { hasText: '42' }).waitFor();
    await shot('05-chat');
  });

  it('shows a file’s versions and the diff of one against the editor, uploads by the file picker and by drag and drop, downloads', async () => {
    await page.goto(`${origin}/#/projects/${project.id}/files/hello.py`);
    await page.locator('.editor .cm-content').waitFor();
    await page.getByRole('button', { name: 'History' }).click();
    const history = page.getByRole('region', { name: 'Versions of hello.py' });
    await history.getByRole('button', { name: /^Diff v1$/ }).click();
    await page.locator('.diff .cm-editor').waitFor();
    await page.locator('.diff .cm-changedLine, .diff .cm-insertedLine').first().waitFor();
    await shot('06-history-diff');

    const upload = join(mkdtempSync(join(tmpdir(), 'zeblit-upload-')), 'data.txt');
    writeFileSync(upload, 'uploaded from the browser\n');
    await page.locator('input[type=file]').setInputFiles(upload);
    await page.getByText('Uploaded 1 file.').waitFor();
    await page.getByRole('button', { name: 'data.txt' }).waitFor();
    assert.equal((await api<FileContent>('GET', `/projects/${project.id}/files/data.txt`)).content, 'uploaded from the browser\n');
    // Drag and drop: a file dropped on the tree is uploaded the same way.
    const dropped = await page.evaluateHandle(`(() => { const dt = new DataTransfer(); dt.items.add(new File(['dropped on the tree\\n'], 'dropped.txt', { type: 'text/plain' })); return dt; })()`);
    await page.locator('.drop').dispatchEvent('dragover', { dataTransfer: dropped });
    await page.locator('.drop').dispatchEvent('drop', { dataTransfer: dropped });
    await page.getByRole('button', { name: 'dropped.txt' }).waitFor();
    assert.equal((await api<FileContent>('GET', `/projects/${project.id}/files/dropped.txt`)).content, 'dropped on the tree\n');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download', exact: true }).click()]);
    assert.equal(download.suggestedFilename(), 'hello.py');
    const saved = await download.path();
    assert.match(readFileSync(saved, 'utf8'), /hello from the web/);
  });

  it('shows the container with its state, and saves resource limits', async () => {
    await page.getByRole('link', { name: 'Container' }).click();
    await page.getByText('running', { exact: true }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Memory (MiB)').fill('1024');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await page.getByText('Saved. Restart the container to apply them.').waitFor();
    const { settings } = await api<Project>('GET', `/projects/${project.id}`);
    assert.equal(settings.memory_mb, 1024);
    // The page loaded before the network was set to none (by the API, above): saving its form kept that change.
    assert.equal(settings.network, 'none', 'a setting the form did not change keeps the value given elsewhere');
    await page.getByText('Settings changed since the container was created').waitFor();
    await page.getByRole('cell', { name: 'python3 hello.py' }).waitFor();
    await shot('07-container');
  });

  it('shows what an agent turn changed, its diff, and undoes it', async () => {
    await api('PUT', `/projects/${project.id}`, { settings: { approval: 'auto' } });
    fake.reset();
    fake.script([{ text: 'Writing it.', tool_calls: [{ name: 'write_file', input: { path: 'notes.md', content: '# Notes\nwritten by the agent\n' } }] }, { text: 'Notes are written.' }]);
    await page.goto(`${origin}/#/projects/${project.id}/chat`);
    await page.getByLabel('Message').fill('Write notes.md');
    await page.getByLabel('Agent').selectOption('engineer');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('Notes are written.').waitFor({ timeout: 120_000 });
    assert.equal((await api<FileContent>('GET', `/projects/${project.id}/files/notes.md`)).content, '# Notes\nwritten by the agent\n');
    await page.getByRole('link', { name: 'Changes' }).click();
    await page.getByRole('heading', { name: 'Changes by agents' }).waitFor();
    const turn = page.locator('.card.checkpoint', { hasText: 'Write notes.md' });
    await turn.getByText('notes.md').first().waitFor();
    await turn.getByRole('button', { name: /^Diff of the turn/ }).click();
    await turn.locator('.diff-lines .add', { hasText: 'written by the agent' }).waitFor();
    await shot('14-changes');
    page.once('dialog', (d) => void d.accept());
    await turn.getByRole('button', { name: /^Undo the turn/ }).click();
    await page.getByText(/^Undone: notes\.md deleted/).waitFor();
    await turn.getByText(/^undone/).waitFor();
    assert.equal((await request(sock(daemon), { path: `/api/v1/projects/${project.id}/files/notes.md` })).status, 404);
    // A file changed by hand since its turn: the undo is refused with that file named, and done only when asked again.
    fake.reset();
    fake.script([{ text: 'Writing the list.', tool_calls: [{ name: 'write_file', input: { path: 'todo.md', content: 'first\n' } }] }, { text: 'The list is written.' }]);
    await page.getByRole('link', { name: 'Chat' }).click();
    await page.getByLabel('Message').fill('Write todo.md');
    await page.getByLabel('Agent').selectOption('engineer');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('The list is written.').waitFor({ timeout: 120_000 });
    await api('PUT', `/projects/${project.id}/files/todo.md`, { content: 'first\nsecond, by hand\n' });
    await page.getByRole('link', { name: 'Changes' }).click();
    const later = page.locator('.card.checkpoint', { hasText: 'Write todo.md' });
    page.once('dialog', (d) => void d.accept());
    await later.getByRole('button', { name: /^Undo the turn/ }).click();
    const refused = later.getByRole('alert');
    await refused.getByText('todo.md').waitFor();
    assert.equal((await api<FileContent>('GET', `/projects/${project.id}/files/todo.md`)).content, 'first\nsecond, by hand\n', 'a refused undo changes nothing');
    await refused.getByRole('button', { name: 'Undo anyway' }).click();
    await page.getByText(/^Undone: todo\.md deleted/).waitFor();
    assert.equal((await request(sock(daemon), { path: `/api/v1/projects/${project.id}/files/todo.md` })).status, 404);
  });

  it('schedules a task, sees its runs arrive with their output, and disables it', async () => {
    await page.goto(`${origin}/#/projects/${project.id}/tasks`);
    await page.getByRole('heading', { name: 'Scheduled tasks' }).waitFor();
    await page.getByLabel('Task name').fill('ticker');
    await page.getByLabel('Task command').fill("printf 'tick%s\\n' -from-schedule");
    // The schedule is checked as it is typed: a wrong one is named, the right one shows its next runs.
    const schedule = page.getByRole('textbox', { name: 'Schedule', exact: true });
    await schedule.fill('*/2 * * *');
    await page.locator('#schedule-check').getByText(/^Not a schedule:/).waitFor();
    await schedule.fill('*/2 * * * * *');
    await page.locator('#schedule-check').getByText(/Every 2 seconds\. Next:/).waitFor();
    await page.getByRole('button', { name: 'Schedule', exact: true }).click();
    await page.getByRole('button', { name: 'Runs of ticker' }).click();
    // Runs arrive by themselves (task events reload the history): the first finished one, and its output.
    const history = page.getByRole('region', { name: 'Runs of ticker' });
    await history.locator('td.run-status.success').first().waitFor({ timeout: 60_000 });
    await history.getByRole('button', { name: /^Output of the run/ }).first().click();
    await page.getByRole('region', { name: 'Run output' }).getByText('tick-from-schedule').waitFor();
    await shot('13-tasks');
    await page.getByRole('button', { name: 'Disable ticker' }).click();
    await page.getByRole('button', { name: 'Enable ticker' }).waitFor();
    const tasks = await api<{ items: { name: string; enabled: boolean; run_count: number }[] }>('GET', `/scheduled-tasks?project=${project.id}`);
    const ticker = tasks.items.find((t) => t.name === 'ticker');
    assert.ok(ticker && !ticker.enabled && ticker.run_count >= 1, JSON.stringify(tasks.items));
    // Run now works on a disabled task too: a manual run joins the history by itself.
    await page.getByRole('button', { name: 'Run ticker now' }).click();
    await history.locator('tr', { hasText: 'manual' }).locator('td.run-status.success').waitFor({ timeout: 60_000 });
    // An agent's task from the same form: a prompt for the engineer, on a nickname.
    await page.getByLabel('Task name').fill('once-off');
    await page.getByLabel('Kind').selectOption('agent');
    await page.getByLabel('Prompt').fill('Run the tests and fix what fails');
    await schedule.fill('@daily');
    await page.locator('#schedule-check').getByText(/Next:/).waitFor();
    await page.getByRole('button', { name: 'Schedule', exact: true }).click();
    await page.getByRole('button', { name: 'Delete once-off' }).waitFor();
    const agentTask = await api<{ kind: string; agent: string | null; prompt: string | null; schedule: string }>('GET', `/scheduled-tasks/once-off?project=${project.id}`);
    assert.deepEqual([agentTask.kind, agentTask.agent, agentTask.prompt, agentTask.schedule], ['agent', 'engineer', 'Run the tests and fix what fails', '@daily']);
    // Delete asks first, then the task leaves the list and the daemon.
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete once-off' }).click();
    await page.getByRole('button', { name: 'Delete once-off' }).waitFor({ state: 'detached' });
    assert.equal((await request(sock(daemon), { path: `/api/v1/scheduled-tasks/once-off?project=${project.id}` })).status, 404);
  });

  it('archives, unarchives and deletes a project from the list', async () => {
    const scratch = await api<Project>('POST', '/projects', { name: 'scratch', template: 'blank' });
    projects.push(scratch.id);
    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByRole('button', { name: 'Archive scratch' }).click();
    await page.getByRole('button', { name: 'Archive scratch' }).waitFor({ state: 'detached' });
    assert.equal((await api<Project>('GET', `/projects/${scratch.id}`)).status, 'archived');
    await page.getByRole('button', { name: 'Archived' }).click();
    await page.getByRole('button', { name: 'Unarchive scratch' }).waitFor();
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete scratch' }).click();
    await page.getByRole('button', { name: 'Delete scratch' }).waitFor({ state: 'detached' });
    assert.equal((await request(sock(daemon), { path: `/api/v1/projects/${scratch.id}` })).status, 404);
    await page.getByRole('button', { name: 'Active' }).click();
    await page.getByRole('link', { name: 'webdemo' }).waitFor();
  });

  it('creates a project on a folder of the machine: its files are the workspace', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'zeblit-web-folder-'));
    writeFileSync(join(folder, 'existing.py'), 'print("already here")\n');
    await page.goto(`${origin}/#/`);
    await page.getByLabel('Name').fill('webfolder');
    await page.getByLabel('Template').selectOption('python');
    await page.getByLabel('Folder (optional)').fill(folder);
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'webfolder' }).waitFor();
    const p = await api<Project & { path: string | null }>('GET', '/projects/webfolder');
    projects.push(p.id);
    assert.equal(p.path, realpathSync(folder));
    await page.getByRole('button', { name: 'existing.py' }).waitFor();
    await api('DELETE', `/projects/${p.id}`);
    assert.equal(readFileSync(join(folder, 'existing.py'), 'utf8'), 'print("already here")\n', 'deleting the project leaves the folder');
  });

  it('shows usage and cost by day, agent and model', async () => {
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('heading', { name: 'Usage and cost' }).waitFor();
    await page.locator('.totals').getByText(/\$[\d.]+/).waitFor();
    for (const title of ['By day', 'By agent', 'By model']) await page.getByRole('figure', { name: title }).waitFor();
    await page.getByRole('figure', { name: 'By agent' }).getByText('engineer').first().waitFor();
    await shot('08-usage');
  });

  it('works at a phone’s width: no view scrolls sideways', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const views: [string, string, () => Promise<void>][] = [
      ['projects', '#/', () => page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor()],
      ['files', `#/projects/${project.id}/files/hello.py`, () => page.locator('.editor .cm-content').waitFor()],
      ['console', `#/projects/${project.id}/console`, () => page.getByRole('log', { name: 'Console output' }).getByText('hello from the web').first().waitFor()],
      ['chat', `#/projects/${project.id}/chat`, () => page.getByRole('heading', { name: 'Chat' }).waitFor()],
      ['changes', `#/projects/${project.id}/changes`, () => page.locator('.card.checkpoint', { hasText: 'Write notes.md' }).waitFor()],
      ['tasks', `#/projects/${project.id}/tasks`, () => page.getByRole('button', { name: 'Runs of ticker' }).waitFor()],
      ['container', `#/projects/${project.id}/container`, () => page.getByRole('heading', { name: 'Container' }).waitFor()],
      ['usage', '#/usage', () => page.getByRole('heading', { name: 'Usage and cost' }).waitFor()],
    ];
    for (const [name, hash, ready] of views) {
      await page.goto(`${origin}/${hash}`);
      await ready();
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      const wide = overflow > 1 ? await page.evaluate<string[]>(`[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 8)`) : [];
      assert.ok(overflow <= 1, `${name} scrolls sideways by ${overflow}px at 390px: ${wide.join(', ')}`);
      // Nor is a project's tab hidden behind a scroll of its own.
      const hiddenTabs = await page.evaluate<string[]>(`[...document.querySelectorAll('.tabs a')].filter((a) => a.getBoundingClientRect().right > a.parentElement.getBoundingClientRect().right + 1).map((a) => a.textContent)`);
      assert.deepEqual(hiddenTabs, [], `${name}: tabs out of sight at 390px`);
      await shot(`09-phone-${name}`);
    }
  });

  it('is light or dark: the choice, or the system’s (followed live), and the editor follows without reopening', async () => {
    const oneDarkBackground = 'rgb(40, 44, 52)';
    const bodyColour = () => page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    const editorColour = () => page.evaluate<string>("getComputedStyle(document.querySelector('.editor .cm-editor')).backgroundColor");
    /** The open editor's colours change with the page's (a re-render later, not at once). */
    const editorTurns = (dark: boolean) =>
      until(`(getComputedStyle(document.querySelector('.editor .cm-editor')).backgroundColor === '${oneDarkBackground}') === ${dark}`);
    const themeOf = () => page.evaluate<string>('document.documentElement.dataset.theme');
    const theme = page.getByRole('button', { name: /Change theme/ });
    await page.goto(`${origin}/#/projects/${project.id}/files/hello.py`);
    await page.locator('.editor .cm-content').waitFor();
    // "system": the page follows the system's setting as it changes, without a reload.
    while (!(await theme.getAttribute('aria-label'))?.startsWith('Theme: system')) await theme.click();
    await page.emulateMedia({ colorScheme: 'light' });
    await until("document.documentElement.dataset.theme === 'light'");
    assert.equal(await bodyColour(), 'rgb(255, 255, 255)');
    await editorTurns(false);
    await page.emulateMedia({ colorScheme: 'dark' });
    await until("document.documentElement.dataset.theme === 'dark'");
    assert.equal(await bodyColour(), 'rgb(15, 17, 21)');
    await editorTurns(true);
    await shot('10-phone-dark-editor');
    // A choice overrides the system, and stays across a reload.
    await theme.click(); // system -> light
    assert.equal(await themeOf(), 'light');
    await editorTurns(false);
    await theme.click(); // light -> dark
    await page.emulateMedia({ colorScheme: 'light' });
    await page.reload();
    await page.locator('.editor .cm-content').waitFor();
    assert.equal(await themeOf(), 'dark');
    assert.equal(await editorColour(), oneDarkBackground);
    await page.setViewportSize({ width: 1280, height: 860 });
    await shot('11-dark-editor');
  });

  it('works from the keyboard: a skip link, and the focus lands on each new view’s heading with the tab’s title naming it', async () => {
    const focused = () => page.evaluate<string>("(document.activeElement?.tagName ?? '') + ' ' + (document.activeElement?.textContent ?? '').trim()");
    await page.goto(`${origin}/#/`);
    await page.reload();
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    // From the top of a fresh page the first Tab reaches the skip link, and Enter moves past the header.
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'A Skip to content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate<string>("document.activeElement?.id ?? ''"), 'main');
    // Following links with Enter: each new view's heading takes the focus, and is the tab's title.
    await page.getByRole('link', { name: 'Usage' }).focus();
    await page.keyboard.press('Enter');
    await until("document.activeElement?.tagName === 'H1' && document.activeElement.textContent === 'Usage and cost'");
    await until(`document.title === ${JSON.stringify('Usage and cost — Zeblit')}`);
    await page.getByRole('link', { name: 'Projects' }).focus();
    await page.keyboard.press('Enter');
    await until("document.activeElement?.tagName === 'H1' && document.activeElement.textContent === 'Projects'");
    await page.getByRole('link', { name: 'webdemo' }).focus();
    await page.keyboard.press('Enter');
    await until("document.activeElement?.id === 'tree-title'");
    await until(`document.title === ${JSON.stringify('Files — webdemo — Zeblit')}`);
    // A file opened from the tree with the keyboard: the focus stays in the tree, the title names the file.
    await page.getByRole('button', { name: 'hello.py' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('.editor .cm-content').waitFor();
    assert.equal(await focused(), 'BUTTON hello.py');
    await until(`document.title === ${JSON.stringify('hello.py — Files — webdemo — Zeblit')}`);
    await page.getByRole('link', { name: 'Console' }).focus();
    await page.keyboard.press('Enter');
    await until("document.activeElement?.tagName === 'H2' && document.activeElement.textContent === 'Console'");
    await until(`document.title === ${JSON.stringify('Console — webdemo — Zeblit')}`);
    // The run form from the keyboard: type a command, Enter runs it, its output arrives on the console.
    await page.getByLabel('Command').focus();
    await page.keyboard.type("printf 'key%s\\n' board");
    await page.keyboard.press('Enter');
    await page
      .getByRole('log', { name: 'Console output' })
      .getByText('keyboard', { exact: true })
      .first()
      .waitFor({ timeout: 60_000 })
      .catch(async (e: unknown) => {
        await page.screenshot({ path: join(shots, 'failed-keyboard-run.png'), fullPage: true });
        const seen = await page.evaluate<string>("[...document.querySelectorAll('.console .run input, .console [role=alert], .console .lines')].map((el) => el.outerHTML.slice(0, 600)).join('\\n')");
        throw new Error(`the command's output never reached the console; the page showed:\n${seen}`, { cause: e });
      });
    // Whoever moves the focus while a view is still loading keeps it: the heading, once it renders, does not take it back.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(`${origin}/api/v1/projects/${project.id}`, async (route) => {
      await held;
      await route.continue();
    });
    await page.getByRole('link', { name: 'Usage' }).focus();
    await page.keyboard.press('Enter');
    await until("document.activeElement?.tagName === 'H1' && document.activeElement.textContent === 'Usage and cost'");
    await page.evaluate(`location.hash = ${JSON.stringify(`#/projects/${project.id}/chat`)}`);
    await page.getByRole('status').getByText('Loading…').waitFor();
    await page.getByRole('link', { name: 'Skip to content' }).focus();
    release();
    await page.getByRole('heading', { name: 'Chat', level: 2 }).waitFor();
    await page.waitForTimeout(300);
    assert.equal(await focused(), 'A Skip to content');
    await page.unroute(`${origin}/api/v1/projects/${project.id}`);
  });

  it('signs out: every later request with that cookie and token is refused; nothing broke the CSP', async () => {
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
});
