import type { MiddlewareHandler } from 'hono';
import { newId } from '../../contracts/index.ts';
import type { AppEnv } from '../env.ts';

const SANE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts a sane X-Request-Id or mints one; echoes it on the response. */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async function requestId(c, next) {
    const given = c.req.header('x-request-id');
    const id = given && SANE.test(given) ? given : newId('request');
    c.set('requestId', id);
    c.header('X-Request-Id', id);
    await next();
    c.res.headers.set('X-Request-Id', id);
  };
}
