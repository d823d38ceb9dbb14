/**
 * The web client's files: `/` and `/login` answer the page (index.html),
 * `/assets/<name>` the bundles build.mjs wrote with content hashes in their
 * names (so they are cached for a year, immutable; a new build has new
 * names). The page gets a strict Content-Security-Policy: scripts and styles
 * only from this origin (no inline script, no CDN), connections only to this
 * origin (its API and WebSocket), no frames, no forms elsewhere. Public: the
 * files hold no data; everything the page shows comes through the API.
 *
 * Only names listed in the assets folder are served (read once): a path is
 * never joined from the request, so nothing else on disk can be reached.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env.ts';

/**
 * The page's policy. `nonce`: CodeMirror writes its generated styles into one
 * <style> element (style-mod), which a policy of `'self'` alone would block;
 * it carries the nonce of this response, and nothing else may. Scripts are
 * `'self'` only: no nonce, no inline script at all.
 */
export function webCsp(nonce: string): string {
  return [
  "default-src 'none'",
  "script-src 'self'",
  `style-src 'self' 'nonce-${nonce}'`,
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  ].join('; ');
}

/** Where the page finds the style nonce of its response (index.html has the placeholder; build.mjs writes it). */
export const STYLE_NONCE_PLACEHOLDER = '__ZEBLIT_STYLE_NONCE__';

/** The paths the page answers (client-side routes live in the fragment). */
export const WEB_PAGES = ['/', '/login'] as const;
export const WEB_ASSETS_PREFIX = '/assets/';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Where the built client is: `web/` beside the bundle, else the repository's dist/web (running from the sources). */
export function findWebRoot(): string | null {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [join(here, 'web'), join(here, '..', '..', '..', 'dist', 'web')];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? null;
}

function securityHeaders(c: Context<AppEnv>): void {
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('Cross-Origin-Opener-Policy', 'same-origin');
  c.header('Cross-Origin-Resource-Policy', 'same-origin');
}

function notFound(c: Context<AppEnv>, what: string): Response {
  securityHeaders(c);
  c.header('Cache-Control', 'no-store');
  return c.text(`${what} is not part of this web client\n`, 404);
}

/** `root`: the built client (index.html, assets/); null serves a page saying how to build it. */
export function webAppRoutes(root: string | null) {
  const app = new Hono<AppEnv>();
  let page: string | null = null;
  let assets: Map<string, Buffer> | null = null;

  const index = (c: Context<AppEnv>): Response => {
    securityHeaders(c);
    // A fresh nonce for every response: a page cannot reuse another's.
    const nonce = randomBytes(16).toString('base64');
    c.header('Content-Security-Policy', webCsp(nonce));
    c.header('Cache-Control', 'no-store');
    if (!root) return c.text('The web client is not built: run `node build.mjs` (it writes dist/web/).\n', 503);
    page ??= readFileSync(join(root, 'index.html'), 'utf8');
    return c.html(page.replaceAll(STYLE_NONCE_PLACEHOLDER, nonce));
  };
  for (const path of WEB_PAGES) app.get(path, index);

  app.get(`${WEB_ASSETS_PREFIX}:name`, (c) => {
    const name = c.req.param('name');
    if (!root) return notFound(c, name);
    if (!assets) {
      const dir = join(root, 'assets');
      assets = new Map(existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => [e.name, readFileSync(join(dir, e.name))]) : []);
    }
    const data = assets.get(name);
    if (!data) return notFound(c, name);
    securityHeaders(c);
    c.header('Content-Type', TYPES[extname(name)] ?? 'application/octet-stream');
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
    return c.body(new Uint8Array(data));
  });
  return app;
}

/** Public paths of the web client (no credentials: the files hold no data). */
export function isWebAppPath(method: string, path: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  return (WEB_PAGES as readonly string[]).includes(path) || (path.startsWith(WEB_ASSETS_PREFIX) && !path.slice(WEB_ASSETS_PREFIX.length).includes('/'));
}
