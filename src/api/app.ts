import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { bodyLimit } from 'hono/body-limit';
import { etag } from 'hono/etag';
import { VERSION, ZeblitError } from '../contracts/index.ts';
import type { AppDeps } from './deps.ts';
import { fail, toZeblitError } from './envelope.ts';
import type { AppEnv } from './env.ts';
import { auditTrail } from './middleware/audit-trail.ts';
import { AUTH_FAILURE_DEFAULTS, authFailureLimit } from './middleware/auth-failures.ts';
import { authenticate } from './middleware/authenticate.ts';
import { rateLimit } from './middleware/rate-limit.ts';
import { requestId } from './middleware/request-id.ts';
import { requestLog } from './middleware/request-log.ts';
import { transportGuard } from './middleware/transport-guard.ts';
import { agentRoutes } from './routes/agents.ts';
import { auditRoutes } from './routes/audit.ts';
import { backupRoutes } from './routes/backup.ts';
import { DOCS_PATHS, docsRoutes } from './routes/docs.ts';
import { consoleRoutes } from './routes/console.ts';
import { fileRoutes } from './routes/files.ts';
import { checkpointRoutes } from './routes/checkpoints.ts';
import { isFileBody } from './routes/file-paths.ts';
import { containerRoutes } from './routes/containers.ts';
import { runRoutes } from './routes/runs.ts';
import { scheduledTaskRoutes } from './routes/scheduled-tasks.ts';
import { authRoutes } from './routes/auth.ts';
import { healthRoutes } from './routes/health.ts';
import { llmRoutes } from './routes/llm.ts';
import { projectRoutes } from './routes/projects.ts';
import { telegramRoutes } from './routes/telegram.ts';
import { userRoutes } from './routes/users.ts';
import { wsRoutes } from './routes/ws.ts';
import { findWebRoot, isWebAppPath, webAppRoutes } from './routes/web-app.ts';
import { webSessionRoutes } from './routes/web-session.ts';
import { methodsFor } from './method-match.ts';
import { BuiltOnce } from './openapi-doc.ts';
import { OPENAI_BASE, isOpenAIPath, openaiFail, openaiRoutes } from './openai/index.ts';
import { Hub } from './ws/hub.ts';

export const API_BASE = '/api/v1';
/** Largest JSON body under /v1 (images may be inline), unless config says otherwise. */
export const OPENAI_MAX_BODY_BYTES = 20 * 1024 * 1024;
const PUBLIC = new Set(['GET /api/v1/health', 'HEAD /api/v1/health', 'GET /api/v1/openapi.json', 'POST /api/v1/auth/token', 'POST /api/v1/web/session', ...DOCS_PATHS.map((p) => `GET ${p}`)]);

/** The app, with the OpenAPI document it serves (built at the first request; tests and benches read `builds`). */
export type ZeblitApp = OpenAPIHono<AppEnv> & { readonly openapiDocument: BuiltOnce };

/** The one Hono app both listeners serve. */
export function createApp(deps: AppDeps): ZeblitApp {
  const app = new OpenAPIHono<AppEnv>();
  const { logger, config } = deps;

  app.use('*', requestId());
  // Which daemon answered, on every response: the CLI notes a daemon of another version without asking /health first.
  app.use('*', async function serverHeader(c, next) {
    await next();
    c.res.headers.set('Server', `zeblitd/${VERSION}`);
  });
  app.use('*', requestLog(logger));
  app.use('*', auditTrail(deps.audit, logger));
  app.use('*', transportGuard({ allowedHosts: config.allowedHosts, allowedOrigins: config.allowedOrigins }));
  // Wraps everything that can answer 401 (authentication, and POST /auth/token's body key): it judges after the fact.
  app.use('*', authFailureLimit({ ...AUTH_FAILURE_DEFAULTS, ...config.authFailureLimit }));
  const jsonLimit = bodyLimit({ maxSize: config.maxBodyBytes, onError: () => { throw new ZeblitError('PAYLOAD_TOO_LARGE', `The request body is larger than ${config.maxBodyBytes} bytes`, { suggestion: 'Send a smaller body, or use the upload endpoint for files.' }); } });
  // File bodies (uploads, raw PUTs) stream to disk under their own limit (maxUploadBytes), enforced by the files routes.
  app.use(`${API_BASE}/*`, function jsonBodyLimit(c, next) {
    // A GET or HEAD without a declared body has nothing to limit, and touching c.req.raw.body would make the adapter build a full Request.
    const bodyless = (c.req.method === 'GET' || c.req.method === 'HEAD') && c.req.header('content-length') === undefined && c.req.header('transfer-encoding') === undefined;
    if (bodyless) return next();
    return isFileBody(c.req.method, c.req.path, c.req.header('content-type')) ? next() : jsonLimit(c, next);
  });
  // /v1 (the OpenAI-compatible API) takes image parts inline: its JSON bodies may be larger.
  const openaiLimit = bodyLimit({ maxSize: config.openaiMaxBodyBytes ?? OPENAI_MAX_BODY_BYTES, onError: () => { throw new ZeblitError('PAYLOAD_TOO_LARGE', `The request body is larger than ${config.openaiMaxBodyBytes ?? OPENAI_MAX_BODY_BYTES} bytes`, { suggestion: 'Send fewer or smaller images (or images by URL).' }); } });
  app.use(`${OPENAI_BASE}/*`, function openaiBodyLimit(c, next) {
    return c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : openaiLimit(c, next);
  });
  // Answers hold a user's data (files, chats, keys): a browser must not keep them in its cache. Routes that
  // are cacheable say so themselves (openapi.json: no-cache with an ETag; streams: no-cache).
  app.use(`${API_BASE}/*`, async function noStore(c, next) {
    await next();
    if (c.res.status !== 101 && !c.res.headers.has('Cache-Control')) c.res.headers.set('Cache-Control', 'no-store');
  });
  app.use('*', authenticate(deps.auth, (method, path) => PUBLIC.has(`${method} ${path}`) || isWebAppPath(method, path), { placeholderTokenOnSocket: isOpenAIPath }));
  app.use('*', rateLimit(config.rateLimit));

  const api = new OpenAPIHono<AppEnv>();
  api.route('/', healthRoutes(deps));
  api.route('/', userRoutes(deps));
  api.route('/', authRoutes(deps));
  api.route('/', projectRoutes(deps));
  api.route('/', auditRoutes(deps));
  api.route('/', consoleRoutes(deps));
  api.route('/', fileRoutes(deps));
  api.route('/', checkpointRoutes(deps));
  api.route('/', containerRoutes(deps));
  api.route('/', runRoutes(deps));
  api.route('/', agentRoutes(deps));
  api.route('/', llmRoutes(deps));
  api.route('/', telegramRoutes(deps));
  api.route('/', webSessionRoutes(deps));
  api.route('/', scheduledTaskRoutes(deps));
  api.route('/', backupRoutes(deps));
  const ws = wsRoutes(deps, deps.hub ?? new Hub(deps.bus));
  api.route('/', ws.stats);
  api.route('/', ws.sockets);
  api.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (zbl_…) or a JWT from POST /api/v1/auth/token. Not needed on the Unix socket.',
  });
  api.openAPIRegistry.registerPath({
    method: 'get',
    path: '/openapi.json',
    summary: 'This OpenAPI 3.1 document (not in the envelope)',
    tags: ['system'],
    security: [],
    responses: { 200: { description: 'The OpenAPI document', content: { 'application/json': { schema: z.object({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) }) } } } },
  });
  // The document changes only with the code: built once, at the first request (building it costs ~80 ms that a
  // daemon start should not pay), then served as the same bytes with an ETag; If-None-Match gets 304.
  const document = new BuiltOnce(() =>
    api.getOpenAPI31Document({
      openapi: '3.1.0',
      info: { title: 'Zeblit API', version: VERSION, description: 'The one API of zeblitd. Every response is an envelope { success, data, error, metadata }.' },
      servers: [{ url: API_BASE }],
    }),
  );
  api.get('/openapi.json', etag(), (c) => {
    const { bytes, etag: tag } = document.get();
    return c.body(bytes, 200, { 'Content-Type': 'application/json; charset=UTF-8', ETag: tag, 'Cache-Control': 'no-cache' });
  });
  app.route(API_BASE, api);
  app.route(OPENAI_BASE, openaiRoutes(deps));
  app.route('/', docsRoutes());
  // The web client: its page and bundles, outside /api (a thin client over the routes above).
  app.route('/', webAppRoutes(config.webRoot === undefined ? findWebRoot() : config.webRoot));

  const known = () => app.routes.filter((r) => r.method !== 'ALL').map((r) => ({ method: r.method, path: r.path }));
  app.notFound((c) => {
    const allowed = methodsFor(known(), c.req.path);
    if (isOpenAIPath(c.req.path)) {
      if (allowed.length > 0) {
        c.header('Allow', allowed.join(', '));
        return openaiFail(c, new ZeblitError('METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${c.req.path}`, { suggestion: `Use ${allowed.join(' or ')}.` }));
      }
      return openaiFail(c, new ZeblitError('NOT_FOUND', `Unknown request URL: ${c.req.method} ${c.req.path}`, { details: { code: 'unknown_url' }, suggestion: 'This endpoint serves GET /v1/models, POST /v1/chat/completions and POST /v1/embeddings.' }));
    }
    // The route takes this method but did not answer: a WebSocket route asked without an upgrade.
    if (allowed.includes(c.req.method))
      return fail(c, new ZeblitError('BAD_REQUEST', `${c.req.method} ${c.req.path} answers WebSocket upgrades only`, { suggestion: 'Connect with a WebSocket client (Upgrade: websocket).' }));
    if (allowed.length > 0) {
      c.header('Allow', allowed.join(', '));
      return fail(c, new ZeblitError('METHOD_NOT_ALLOWED', `${c.req.method} is not allowed on ${c.req.path}`, { suggestion: `Use ${allowed.join(' or ')}.` }));
    }
    return fail(c, new ZeblitError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`, { suggestion: 'See GET /api/v1/openapi.json for the routes.' }));
  });

  app.onError((err, c) => {
    const { error, internal } = toZeblitError(err);
    if (internal) logger.error({ err, request_id: c.get('requestId'), method: c.req.method, path: c.req.path }, 'unhandled error');
    // The OpenAI-compatible API answers in OpenAI's error shape, middleware errors included; everything else in the envelope.
    return isOpenAIPath(c.req.path) ? openaiFail(c, error) : fail(c, error);
  });
  return Object.assign(app, { openapiDocument: document });
}
