import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import {
  ContainerLogs,
  ContainerStatus,
  EngineInfo,
  Envelope,
  ErrorEnvelope,
  ExecStreamRecord,
  ExecuteRequest,
  ExecuteResult,
  ImageStatus,
  LogLine,
  LogsQuery,
  RunStarted,
  type ExecStreamRecord as ExecRecord,
  type ExecuteInput,
  type Project,
} from '../../contracts/index.ts';
import { assertActive } from '../../projects/index.ts';
import type { AppDeps } from '../deps.ts';
import { ok } from '../envelope.ts';
import type { AppEnv } from '../env.ts';
import { defineRoute, principalOf, requireAccess, router } from '../route.ts';
import { visibleProjectIds } from '../scope.ts';
import { NDJSON, SSE, recordStream, streamFormat } from '../streaming.ts';

const ImagesQuery = z.object({ check: z.enum(['true', 'false', '1', '0']).optional().transform((v) => v === 'true' || v === '1') });
const ProjectRef = z.object({ id: z.string().min(1).max(100).describe('Project id (prj_…) or name') });

const errors = {
  400: { description: 'Invalid input (VALIDATION_FAILED, BAD_REQUEST)', content: { 'application/json': { schema: ErrorEnvelope } } },
  401: { description: 'Missing or invalid credentials', content: { 'application/json': { schema: ErrorEnvelope } } },
  403: { description: 'The key lacks the scope (FORBIDDEN)', content: { 'application/json': { schema: ErrorEnvelope } } },
  404: { description: 'No such project (or not yours)', content: { 'application/json': { schema: ErrorEnvelope } } },
  429: { description: 'Too many requests (RATE_LIMITED)', content: { 'application/json': { schema: ErrorEnvelope } } },
  503: { description: 'The container engine does not answer (DOCKER_UNAVAILABLE)', content: { 'application/json': { schema: ErrorEnvelope } } },
};

type Valid = { valid(target: 'json' | 'param' | 'query'): unknown };
const valid = <T>(c: Context<AppEnv>, target: 'json' | 'param' | 'query') => (c.req as unknown as Valid).valid(target) as T;

export function containerRoutes(deps: AppDeps) {
  const app = router();
  const { projects, containers } = deps;
  const projectOf = (c: Context<AppEnv>, ref: string): Project => {
    const p = projects.get(principalOf(c).user.id, ref);
    c.set('resource', p.id);
    return p;
  };

  for (const verb of ['start', 'stop', 'restart'] as const) {
    defineRoute(
      app,
      { method: 'post', path: `/projects/{id}/container/${verb}`, summary: `${verb[0]?.toUpperCase()}${verb.slice(1)} the project's container`, tags: ['containers'], params: ProjectRef, data: ContainerStatus },
      (c, { params }) => {
        const p = projectOf(c, params.id);
        if (verb !== 'stop') assertActive(p);
        return containers[verb](p);
      },
    );
  }

  defineRoute(
    app,
    {
      method: 'get',
      path: '/projects/{id}/container/status',
      summary: 'State, image, limits, health, exit reason and published ports of the project container',
      tags: ['containers'],
      params: ProjectRef,
      data: ContainerStatus,
    },
    (c, { params }) => containers.status(projectOf(c, params.id)),
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/containers/images',
      summary: 'Template images: which one is used, pull progress',
      description:
        "With check=true, templates not used yet are looked up in the engine (present, local or missing; nothing is pulled); 503 when the engine is down. `last` is the latest pull or check of the template's image; a non-admin sees it only when it was for one of their own projects or for the daemon itself.",
      tags: ['containers'],
      query: ImagesQuery,
      data: z.array(ImageStatus),
    },
    async (c, { query }) => {
      const statuses = query.check ? await containers.imagePresence() : containers.imageStatus();
      const visible = visibleProjectIds(deps, principalOf(c));
      if (!visible) return statuses;
      const own = new Set(visible);
      // Which project pulled, and why its pull failed, is that project's owner's business.
      return statuses.map((s) => (s.last?.project_id && !own.has(s.last.project_id) ? { ...s, last: null } : s));
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/containers/engine',
      summary: 'The container engine: reachable, version, and whether it enforces memory, CPU and process limits (docker info)',
      tags: ['containers'],
      data: EngineInfo,
    },
    () => containers.engineInfo(),
  );

  registerExecute(app, deps, projectOf);
  registerLogs(app, deps, projectOf);
  return app;
}

function registerExecute(app: OpenAPIHono<AppEnv>, deps: AppDeps, projectOf: (c: Context<AppEnv>, ref: string) => Project): void {
  const route = createRoute({
    method: 'post',
    path: '/projects/{id}/container/execute',
    summary: 'Run a command in the project container',
    description:
      'A string runs under `sh -c`, an array as argv. With Accept: application/x-ndjson (or text/event-stream) stdout and stderr stream as produced, then the exit record. With detach: true the answer is immediate (202) and the run is followed with GET /projects/{id}/runs/{run_id}.',
    tags: ['containers'],
    security: [{ bearer: [] }],
    middleware: [requireAccess('write')],
    request: { params: ProjectRef, body: { content: { 'application/json': { schema: ExecuteRequest } }, required: true } },
    responses: {
      200: {
        description: 'The finished run (JSON), or its stream',
        content: { 'application/json': { schema: Envelope(ExecuteResult) }, [NDJSON]: { schema: ExecStreamRecord }, [SSE]: { schema: ExecStreamRecord } },
      },
      202: { description: 'Detached: the run started', content: { 'application/json': { schema: Envelope(RunStarted) } } },
      ...errors,
    },
  });
  app.openapi(route, (async (c: Context<AppEnv>) => {
    const { id } = valid<{ id: string }>(c, 'param');
    const body = valid<ExecuteInput>(c, 'json');
    const project = projectOf(c, id);
    assertActive(project);
    const p = principalOf(c);
    const ctx = { userId: p.user.id, keyId: p.keyId, clientType: p.clientType };
    if (body.detach) {
      const run = await deps.containers.run(ctx, project, body);
      return ok(c, { run_id: run.id, status: 'running', detached: true }, 202);
    }
    const format = streamFormat(c.req.header('accept'));
    if (!format) {
      // The caller hanging up kills the command, as closing a terminal would.
      const run = await deps.containers.run(ctx, project, body, c.req.raw.signal);
      return ok(c, await run.finished);
    }
    const gone = new AbortController();
    const run = await deps.containers.run(ctx, project, body, gone.signal);
    const stream = recordStream<ExecRecord>(format, {
      onDrain: () => run.proc?.resume(),
      onCancel: () => gone.abort(),
      headers: { 'x-run-id': run.id },
    });
    stream.send({ type: 'start', run_id: run.id, channel: run.channel });
    run.listen((r) => {
      if (!stream.send(r)) run.proc?.pause();
      if (r.type === 'exit') stream.end();
    });
    return stream.response;
  }) as never);
}

function registerLogs(app: OpenAPIHono<AppEnv>, deps: AppDeps, projectOf: (c: Context<AppEnv>, ref: string) => Project): void {
  const route = createRoute({
    method: 'get',
    path: '/projects/{id}/container/logs',
    summary: "The container's own output (tail, since); follow=true streams new lines as NDJSON",
    tags: ['containers'],
    security: [{ bearer: [] }],
    middleware: [requireAccess('read')],
    request: { params: ProjectRef, query: LogsQuery },
    responses: {
      200: { description: 'Log lines', content: { 'application/json': { schema: Envelope(ContainerLogs) }, [NDJSON]: { schema: LogLine.extend({ type: z.literal('line') }) } } },
      ...errors,
    },
  });
  app.openapi(route, (async (c: Context<AppEnv>) => {
    const { id } = valid<{ id: string }>(c, 'param');
    const query = valid<z.output<typeof LogsQuery>>(c, 'query');
    const project = projectOf(c, id);
    if (!query.follow) return ok(c, await deps.containers.logs(project, query));
    const gone = new AbortController();
    c.req.raw.signal.addEventListener('abort', () => gone.abort(), { once: true });
    const stream = recordStream<{ type: 'line' } & LogLine>(streamFormat(c.req.header('accept')) ?? 'ndjson', { onCancel: () => gone.abort() });
    deps.containers
      .followLogs(project, query, (l) => stream.send({ type: 'line', ...l }), gone.signal)
      .catch((e: unknown) => deps.logger.debug({ err: e }, 'log follow ended'))
      .finally(() => stream.end());
    return stream.response;
  }) as never);
}

