import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { Envelope, ErrorEnvelope, ZeblitError, type Scope, type ServiceName } from '../contracts/index.ts';
import { hasScope } from '../auth/index.ts';
import { ok, validationError } from './envelope.ts';
import type { AppEnv } from './env.ts';

type AnyObject = z.ZodObject<z.ZodRawShape>;
type Maybe<T> = T | undefined;
type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface RouteSpec<P extends Maybe<AnyObject>, Q extends Maybe<AnyObject>, B extends Maybe<z.ZodType>, D extends z.ZodType> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI style: /projects/{id} */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  params?: P;
  query?: Q;
  body?: B;
  data: D;
  status?: 200 | 201 | 202;
  /** `public` needs no credentials on either transport. Default: read for GET, write otherwise. */
  scope?: Scope | 'public';
  /** Role required beyond the scope. */
  role?: 'admin';
  /** Only this service's daemon-minted credential may call (scope and role do not apply); no other caller may. */
  service?: ServiceName;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

export const errorResponses = {
  400: { description: 'Invalid input (VALIDATION_FAILED, INVALID_JSON)', content: { 'application/json': { schema: ErrorEnvelope } } },
  401: { description: 'Missing or invalid credentials (UNAUTHORIZED)', content: { 'application/json': { schema: ErrorEnvelope } } },
  403: { description: 'Not allowed (FORBIDDEN)', content: { 'application/json': { schema: ErrorEnvelope } } },
  404: { description: 'Not found (NOT_FOUND)', content: { 'application/json': { schema: ErrorEnvelope } } },
  429: { description: 'Too many requests (RATE_LIMITED)', content: { 'application/json': { schema: ErrorEnvelope } } },
};

/** Checks the caller's scope and role for one route. Authentication itself happened earlier. */
export function requireAccess(scope: Scope, role?: 'admin'): MiddlewareHandler<AppEnv> {
  return async function requireAccess(c, next) {
    const p = c.get('principal');
    if (!p) throw new ZeblitError('UNAUTHORIZED', 'Authentication required', { suggestion: 'Send Authorization: Bearer <api key>.' });
    // A service credential has no scopes anyway; saying what it is makes the refusal clear.
    if (p.service) throw new ZeblitError('FORBIDDEN', `A ${p.service} service credential works only on its own route`, { suggestion: 'Use a user API key for this.' });
    if (!hasScope(p, scope))
      throw new ZeblitError('FORBIDDEN', `This key lacks the "${scope}" scope`, { suggestion: `Use a key created with --scopes ${scope === 'admin' ? 'read,write,admin' : 'read,write'}.` });
    if (role === 'admin' && p.user.role !== 'admin') throw new ZeblitError('FORBIDDEN', 'Only an admin can do this');
    await next();
  };
}

/** Admits only the daemon-minted credential of `service` (see Auth.rotateServiceCredential). */
export function requireService(service: ServiceName): MiddlewareHandler<AppEnv> {
  return async function requireService(c, next) {
    const p = c.get('principal');
    if (!p) throw new ZeblitError('UNAUTHORIZED', 'Authentication required', { suggestion: `Send Authorization: Bearer <the ${service} service credential>.` });
    if (p.service !== service || p.auth !== 'api_key')
      throw new ZeblitError('FORBIDDEN', `Only the ${service} service credential may do this`, {
        suggestion: `An admin mints it with POST /api/v1/auth/${service}/bot-credential; the process holding it makes this call.`,
      });
    await next();
  };
}

/**
 * One route: its schemas become validation, the TypeScript types of `input`,
 * and the OpenAPI entry at once. The handler returns data; the envelope is added here.
 */
export function defineRoute<P extends Maybe<AnyObject>, Q extends Maybe<AnyObject>, B extends Maybe<z.ZodType>, D extends z.ZodType>(
  app: OpenAPIHono<AppEnv>,
  spec: RouteSpec<P, Q, B, D>,
  handler: (c: Context<AppEnv>, input: RouteInput<Out<P>, Out<Q>, Out<B>>) => Promise<z.input<D>> | z.input<D>,
): void {
  const scope = spec.scope ?? (spec.method === 'get' ? 'read' : 'write');
  const status = spec.status ?? 200;
  const route = createRoute({
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    description: spec.description,
    tags: spec.tags,
    security: scope === 'public' ? [] : [{ bearer: [] }],
    middleware: spec.service ? [requireService(spec.service)] : scope === 'public' ? [] : [requireAccess(scope, spec.role)],
    request: {
      ...(spec.params ? { params: spec.params } : {}),
      ...(spec.query ? { query: spec.query } : {}),
      ...(spec.body ? { body: { content: { 'application/json': { schema: spec.body } }, required: true } } : {}),
    },
    responses: {
      [status]: { description: spec.summary, content: { 'application/json': { schema: Envelope(spec.data) } } },
      ...errorResponses,
    },
  });
  app.openapi(route, (async (c: Context<AppEnv>) => {
    const req = c.req as unknown as { valid(target: string): unknown };
    const input = {
      params: spec.params ? req.valid('param') : undefined,
      query: spec.query ? req.valid('query') : undefined,
      body: spec.body ? req.valid('json') : undefined,
    } as RouteInput<Out<P>, Out<Q>, Out<B>>;
    return ok(c, await handler(c, input), status);
  }) as never);
}

/** The principal of a route that passed requireAccess. */
export function principalOf(c: Context<AppEnv>) {
  const p = c.get('principal');
  if (!p) throw new ZeblitError('UNAUTHORIZED', 'Authentication required');
  return p;
}

/** A sub-app whose schema failures become VALIDATION_FAILED envelopes with per-field details. */
export function router(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target === 'json' ? 'body' : result.target);
    },
  });
}
