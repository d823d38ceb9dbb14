/**
 * The daemon's API over its Unix socket for the benchmarks: a bare
 * node:http request on the caller's keep-alive agent (so what is timed is
 * the daemon, not a client library), answering the envelope's data or
 * throwing its error.
 */
import { request as httpRequest, type Agent } from 'node:http';

interface Json {
  success: boolean;
  data: unknown;
  error: { code: string; message: string } | null;
}

export type SocketApi = <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;

/** `call(method, '/projects', body)` sends to /api/v1/projects. */
export function socketApi(socketPath: string, agent: Agent): SocketApi {
  return <T = unknown>(method: string, path: string, body?: unknown): Promise<T> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = httpRequest(
        { socketPath, agent, method, path: `/api/v1${path}`, headers: { host: 'localhost', ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : { 'content-length': 0 }) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json;
            if (!parsed.success) reject(new Error(`${method} ${path}: ${parsed.error?.code} ${parsed.error?.message}`));
            else resolve(parsed.data as T);
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
}
