/**
 * The files benchmark's side of the built daemon: bundle it from this tree
 * into a temporary folder, run it as a child process in a fresh home, and
 * talk to it over its Unix socket (JSON calls, streamed uploads and
 * downloads, CPU and RSS read from /proc).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const MiB = 1024 * 1024;
export const ROOT = join(import.meta.dirname, '..', '..');

export async function bundle(): Promise<string> {
  // Inside the repository, so the external better-sqlite3 resolves from its node_modules; removed at the end.
  // build.mjs itself, pointed at a side folder: the benchmark measures exactly what ships, and dist/ stays untouched.
  const out = mkdtempSync(join(ROOT, '.bench-build-'));
  execFileSync(process.execPath, ['build.mjs'], { cwd: ROOT, env: { ...process.env, ZEBLIT_BUILD_OUT: out }, stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

export interface Daemon {
  child: ChildProcess;
  socket: string;
  home: string;
}

export async function startDaemon(script: string): Promise<Daemon> {
  const home = mkdtempSync(join(tmpdir(), 'zbl-bench-'));
  // Info: the request log gives the daemon's own time per request (the write benchmark reads it).
  const env = { ...process.env, ZEBLIT_HOME: home, ZEBLIT_PORT: '0', ZEBLIT_LOG_LEVEL: 'info', ZEBLIT_MAX_UPLOAD_BYTES: String(4096 * MiB), HOME: home };
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  // Its log also goes to stderr: show warnings and errors only (the request lines are read from the log file).
  let rest = '';
  child.stderr?.on('data', (c: Buffer) => {
    const lines = (rest + c.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) if (!/"level":(10|20|30),/.test(l)) process.stderr.write(`${l}\n`);
  });
  const socket = join(home, 'zeblitd.sock');
  for (let i = 0; i < 400; i++) {
    if (existsSync(socket) && (await call(socket, 'GET', '/api/v1/health').catch(() => null))?.status === 200) return { child, socket, home };
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error('the daemon did not start');
}

/**
 * Node's global agent keeps connections alive; one idle longer than the
 * daemon's keep-alive timeout (5 s, e.g. while a test tree is written) can be
 * closed by the daemon as it is reused: EPIPE or ECONNRESET. Such a request
 * never reached the handler, so it is sent again once.
 */
export async function again<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPIPE' && code !== 'ECONNRESET') throw e;
    return fn();
  }
}

export function call(socket: string, method: string, path: string, body?: unknown): Promise<{ status: number; data: unknown }> {
  return again(() => callOnce(socket, method, path, body));
}

export function callOnce(socket: string, method: string, path: string, body?: unknown): Promise<{ status: number; data: unknown }> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const r = request({ socketPath: socket, method, path, headers: { host: 'localhost', ...(text ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const parsed = JSON.parse(Buffer.concat(chunks).toString() || 'null') as { data?: unknown } | null;
        resolve({ status: res.statusCode ?? 0, data: parsed?.data });
      });
    });
    r.on('error', reject);
    r.end(text);
  });
}

/** Streams `source` as the body of a PUT; resolves with the status when the daemon answered. */
export function putStream(socket: string, path: string, size: number, source: AsyncIterable<Buffer>): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = request({ socketPath: socket, method: 'PUT', path, headers: { host: 'localhost', 'content-type': 'application/octet-stream', 'content-length': String(size) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    r.on('error', reject);
    void (async () => {
      for await (const chunk of source) if (!r.write(chunk)) await new Promise((d) => r.once('drain', d));
      r.end();
    })().catch(reject);
  });
}

export function getToFile(socket: string, path: string, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = request({ socketPath: socket, method: 'GET', path, headers: { host: 'localhost' } }, (res) => {
      const out = createWriteStream(file);
      res.pipe(out);
      out.on('finish', () => resolve(res.statusCode ?? 0));
      out.on('error', reject);
    });
    r.on('error', reject);
    r.end();
  });
}

export const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
/** CPU time (user + system) of a process, in ms, from /proc (clock ticks of 10 ms). */
export const cpuOf = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) * 10;
};

/** Files for the tree benchmark: `count` files, 100 per folder pair (pkgN/ and pkgN/src/). */
export function makeTreeFiles(ws: string, count: number): void {
  const perDir = 100;
  for (let d = 0; d < count / perDir; d++) {
    mkdirSync(join(ws, `pkg${d}`, 'src'), { recursive: true });
    for (let f = 0; f < perDir; f++) writeFileSync(join(ws, `pkg${d}`, f % 2 ? 'src' : '', `file${f}.ts`), 'x'.repeat(f));
  }
}

/** A GET whose body is read as bytes (not parsed): the time a client waits for the whole answer. */
export function getBytes(socket: string, path: string): Promise<number> {
  return again(() => new Promise((resolve, reject) => {
    const r = request({ socketPath: socket, method: 'GET', path, headers: { host: 'localhost' } }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`GET ${path} answered ${res.statusCode}`))));
    });
    r.on('error', reject);
    r.end();
  }));
}
