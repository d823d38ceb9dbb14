import { ZeblitError } from '../../contracts/index.ts';
import { dockerUnavailable } from '../discovery.ts';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOTSOCK',
  'ERR_SOCKET_CLOSED',
]);

interface ModemError {
  code?: unknown;
  statusCode?: unknown;
  json?: unknown;
  reason?: unknown;
  message?: unknown;
}

/** Docker's words (libnetwork) when every default address pool is taken by a network. */
const ADDRESS_POOLS_FULL = /could not find an available, non-overlapping IPv4 address pool|no available (IPv4 )?address pool/i;

const asModem = (e: unknown): ModemError => (typeof e === 'object' && e !== null ? (e as ModemError) : {});

/** True when the engine did not answer at all (as opposed to answering with an error). */
export function isConnectionError(e: unknown): boolean {
  const m = asModem(e);
  if (typeof m.code === 'string' && CONNECTION_CODES.has(m.code)) return true;
  return typeof m.message === 'string' && /socket hang up|connect E|timed? ?out/i.test(m.message) && m.statusCode === undefined;
}

export function statusOf(e: unknown): number | undefined {
  const s = asModem(e).statusCode;
  return typeof s === 'number' ? s : undefined;
}

/**
 * The engine's own words. dockerode's `reason` for a 404 says "no such
 * container" even when a path is missing: the JSON message is the truth.
 */
export function messageOf(e: unknown): string {
  const m = asModem(e);
  const json = m.json;
  if (typeof json === 'object' && json !== null && typeof (json as { message?: unknown }).message === 'string')
    return (json as { message: string }).message;
  if (typeof json === 'string' && json.trim()) return json.trim();
  if (Buffer.isBuffer(json)) return json.toString('utf8').trim();
  return typeof m.message === 'string' ? m.message : String(e);
}

/**
 * Turns whatever dockerode threw into a ZeblitError. A connection failure
 * also tells the availability gate (`onDown`), so the next call fails fast.
 */
export function translate(e: unknown, endpoint: string, onDown: (err: unknown) => void, what: string): ZeblitError {
  if (e instanceof ZeblitError) return e;
  if (isConnectionError(e)) {
    onDown(e);
    return dockerUnavailable(endpoint, e);
  }
  const status = statusOf(e);
  const message = `${what}: ${messageOf(e)}`;
  // The engine answers 404 when its address pools are used up: nothing is missing, the engine is full.
  if (ADDRESS_POOLS_FULL.test(messageOf(e)))
    return new ZeblitError('UNAVAILABLE', `The container engine has no free address range left for a new network (${what})`, {
      details: { engine: messageOf(e) },
      suggestion: 'Remove networks nothing uses with `docker network prune` (each Zeblit project has one; `docker network ls` lists them), then try again.',
      cause: e,
    });
  if (status === 404) return new ZeblitError('NOT_FOUND', message, { cause: e });
  if (status === 409) return new ZeblitError('CONFLICT', message, { cause: e });
  if (status === 400) return new ZeblitError('BAD_REQUEST', message, { cause: e });
  return new ZeblitError('INTERNAL', `The container engine failed (${what}): ${messageOf(e)}`, { details: { status }, cause: e });
}
