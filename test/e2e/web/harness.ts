/**
 * The web suite's one run, shared by its steps in order: the built daemon
 * with the fake LLM as its provider, one Chromium and one page, set up
 * before the first step and torn down after the last; and what every step
 * uses to check a view (no unnamed control, a screenshot, waiting on the
 * page). The steps are in this folder; test/e2e/web.test.ts registers them.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { dockerSuite, dockerUnavailableReason, removeTestResources, requireDocker } from '../../../src/containers/testing.ts';
import type { Project } from '../../../src/contracts/index.ts';
import { FakeLlm } from '../../../src/llm/testing/fake-llm.ts';
import { cleanup, dataOf, request, sock, startDaemon, tempHome, waitFor, type DaemonProc } from '../helpers.ts';

const CHROMIUM = process.env.ZEBLIT_CHROMIUM ?? '/usr/bin/chromium';
/** Without these Chromium reaches for the network (updates, sync, QUIC probes), which this machine does not have. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const PYTHON_IMAGE = 'zeblit/python:local';

const dockerReason = await dockerUnavailableReason([PYTHON_IMAGE]);
const browserMissing = existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing: apt-get install -y chromium`;
/** The suite's options: skipped only when asked (no browser and ZEBLIT_REQUIRE_BROWSER=0) or as Docker suites are. */
export const webSuiteOptions = browserMissing && process.env.ZEBLIT_REQUIRE_BROWSER === '0' ? { skip: browserMissing } : dockerSuite(dockerReason);

/**
 * What the steps share. The fields marked `!` are set by the `before` hook
 * that webRun() registers (project: by the step that creates it), so a step
 * reads them inside its `it`, never when it is registered.
 */
export class WebRun {
  home!: string;
  daemon!: DaemonProc;
  fake!: FakeLlm;
  browser!: Browser;
  context!: BrowserContext;
  page!: Page;
  shots!: string;
  origin!: string;
  /** The project the path works in ("webdemo"), from the step that creates it on. */
  project!: Project;
  /** Every project made along the way, for the cleanup of their containers. */
  readonly projects: string[] = [];
  readonly violations: string[] = [];
  readonly pageErrors: string[] = [];

  readonly env = () => ({ ANTHROPIC_API_KEY: 'sk-e2e-fake', ANTHROPIC_BASE_URL: this.fake.anthropicBaseUrl, OPENAI_API_KEY: '', OPENAI_BASE_URL: '' });
  readonly api = async <T>(method: string, path: string, json?: unknown): Promise<T> => dataOf(await request<T>(sock(this.daemon), { method, path: `/api/v1${path}`, json, timeoutMs: 120_000 }));
  /**
   * Every view is checked for controls a screen reader could not name before its screenshot: buttons, links,
   * fields and editors without text, label, aria-label or aria-labelledby.
   */
  readonly unnamed = () =>
    this.page.evaluate<string[]>(`[...document.querySelectorAll('button, a[href], input:not([type=hidden]), select, textarea, summary, [contenteditable=true], [role=button]')]
      .filter((el) => el.getClientRects().length > 0)
      .filter((el) => {
        const byId = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).map((id) => document.getElementById(id)?.textContent || '').join('');
        const own = ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName) ? [...(el.labels || [])].map((l) => l.textContent).join('') : el.textContent;
        return !((el.getAttribute('aria-label') || '') + byId + (own || '') + (el.getAttribute('title') || '')).trim();
      })
      .map((el) => el.outerHTML.slice(0, 160))`);
  readonly shot = async (name: string) => {
    assert.deepEqual(await this.unnamed(), [], `controls without an accessible name in ${name}`);
    await this.page.screenshot({ path: join(this.shots, `${name}.png`), fullPage: true });
  };
  readonly cookieName = () => `zeblit_session_${this.daemon.port}`;
  /** Waits until an expression is true in the page (page.waitForFunction evaluates with eval, which the page's CSP refuses). */
  readonly until = (expression: string, timeoutMs = 10_000) => waitFor(expression, () => this.page.evaluate<boolean>(expression), timeoutMs, 50);
}

/** The run, with its setup and teardown registered as hooks of the calling describe. */
export function webRun(): WebRun {
  const w = new WebRun();
  before(async () => {
    if (browserMissing) throw new Error(`${browserMissing} (ZEBLIT_REQUIRE_BROWSER=0 skips this suite)`);
    if (dockerReason) requireDocker(dockerReason);
    w.shots = join(process.env.ZEBLIT_WEB_SHOTS ?? join(tmpdir(), 'zeblit-web-shots'), new Date().toISOString().replace(/[:.]/g, '-'));
    mkdirSync(w.shots, { recursive: true });
    process.stdout.write(`# web client screenshots: ${w.shots}\n`);
    w.fake = await FakeLlm.start();
    w.home = tempHome('web');
    w.daemon = await startDaemon(w.home, { env: w.env() });
    w.origin = `http://127.0.0.1:${w.daemon.port}`;
    await w.api('PUT', '/config/llm', { max_retries: 0, providers: { anthropic: { model: 'claude-haiku-4-5' } } });
    // playwright gives every launch a fresh, temporary --user-data-dir of its own (it refuses one in args).
    w.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
    w.context = await w.browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    // Reported by the page itself: anything the CSP blocked (an inline style or script, a connection elsewhere).
    // (Scripts for the page are strings: this file is compiled without the DOM's types.)
    await w.context.addInitScript(`window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`);
    w.page = await w.context.newPage();
    w.page.setDefaultTimeout(30_000);
    w.page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) w.violations.push(m.text());
    });
    w.page.on('pageerror', (e) => w.pageErrors.push(e.message));
  });

  after(async () => {
    await w.browser?.close().catch(() => undefined);
    await removeTestResources(w.projects).catch(() => undefined);
    await cleanup();
    await w.fake?.close();
  });
  return w;
}
