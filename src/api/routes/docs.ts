/**
 * /api/docs: the API reference, rendered in the browser by Swagger UI from
 * /api/v1/openapi.json. Everything it loads comes from the daemon itself
 * (the Swagger UI files ship beside the bundle: build.mjs copies them), so it
 * works with no network, and a strict Content-Security-Policy forbids the
 * page anything else: no CDN, no inline script, no outside connection (the
 * "validator" badge that would call validator.swagger.io is turned off).
 * Public, like the OpenAPI document: it holds no data.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type MiddlewareHandler } from 'hono';
import { API_VERSION, VERSION, ZeblitError } from '../../contracts/index.ts';
import type { AppEnv } from '../env.ts';

export const DOCS_PATHS = ['/api/docs', '/api/docs/', '/api/docs/init.js', '/api/docs/swagger-ui-bundle.js', '/api/docs/swagger-ui.css'] as const;

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // Swagger UI (React) sets style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The Swagger UI files: beside the bundle (dist/api-docs, or the single executable's cache), else swagger-ui-dist in node_modules (running from the sources). */
function assetsDir(): string {
  const candidates: string[] = [];
  try {
    candidates.push(join(dirname(fileURLToPath(import.meta.url)), 'api-docs'));
  } catch {
    // no file URL (never in practice): only the package
  }
  try {
    candidates.push(dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json')));
  } catch {
    // not installed: only what the build copied
  }
  const found = candidates.find((d) => existsSync(join(d, 'swagger-ui-bundle.js')));
  if (!found)
    throw new ZeblitError('NOT_FOUND', 'The API reference files are missing from this installation', { suggestion: `Rebuild (node build.mjs copies them to api-docs/ beside the bundle); the document itself is at /api/${API_VERSION}/openapi.json.` });
  return found;
}

const page = () => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Zeblit API ${VERSION}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/api/docs/swagger-ui.css?v=${VERSION}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js?v=${VERSION}"></script>
<script src="/api/docs/init.js?v=${VERSION}"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({
  url: '/api/${API_VERSION}/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
});
`;

export function docsRoutes() {
  const app = new Hono<AppEnv>();
  const cache = new Map<string, Buffer>();
  const file = (name: string) => {
    let data = cache.get(name);
    if (!data) {
      data = readFileSync(join(assetsDir(), name));
      cache.set(name, data);
    }
    return data;
  };
  const headers: MiddlewareHandler<AppEnv> = async function docsHeaders(c, next) {
    await next();
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
  };
  app.use('/api/docs', headers);
  app.use('/api/docs/*', headers);
  for (const path of ['/api/docs', '/api/docs/'])
    app.get(path, (c) => {
      c.header('Cache-Control', 'no-cache');
      return c.html(page());
    });
  app.get('/api/docs/init.js', (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    c.header('Cache-Control', 'no-cache');
    return c.body(INIT);
  });
  const asset = (name: string, type: string) =>
    app.get(`/api/docs/${name}`, (c) => {
      const data = file(name);
      c.header('Content-Type', type);
      c.header('Cache-Control', 'public, max-age=3600');
      return c.body(new Uint8Array(data));
    });
  asset('swagger-ui-bundle.js', 'text/javascript; charset=utf-8');
  asset('swagger-ui.css', 'text/css; charset=utf-8');
  return app;
}
