/**
 * Shared helpers for the process tests: they start the BUILT daemon
 * (dist/zeblitd.js) and CLI (dist/zeblit.js) in temporary homes and talk to
 * them over raw HTTP. Every daemon and folder made here is registered, and
 * `cleanup()` (called from each file's `after`) kills and removes them even
 * when a test failed half-way.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { LockInfo } from '../../daemon/lock.ts';
import type { EnvelopeOf } from '../../src/contracts/index.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** ZEBLIT_E2E_DIST: test a side build (`ZEBLIT_BUILD_OUT=.build-x node build.mjs`) instead of dist/. */
export const DIST = process.env.ZEBLIT_E2E_DIST ? resolve(ROOT, process.env.ZEBLIT_E2E_DIST) : join(ROOT, 'dist');
export const DAEMON_JS = join(DIST, 'zeblitd.js');
export const CLI_JS = join(DIST, 'zeblit.cjs');

export function requireBuilt(file: string): void {
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`node build.mjs\` before the e2e tests`);
}

const homes = new Set<string>();
const children = new Set<ChildProcess>();

/** A fresh, empty ZEBLIT_HOME (short path: Unix socket paths are limited to ~107 bytes). */
export function tempHome(tag = 'e2e'): string {
  const home = mkdtempSync(join(tmpdir(), `zbl-${tag}-`));
  homes.add(home);
  return home;
}

/** The daemon's own view of who holds a home. */
export type LockFile = LockInfo;

export function readLockFile(home: string): LockFile | null {
  try {
    return JSON.parse(readFileSync(join(home, 'zeblitd.lock'), 'utf8')) as LockFile;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` until it returns a value that is not undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface DaemonProc {
  home: string;
  child: ChildProcess;
  pid: number;
  port: number;
  socket: string;
  exited: Promise<Exit>;
  output(): string;
}

export interface StartOptions {
  env?: Record<string, string>;
  args?: string[];
  /** Another bundle than dist/zeblitd.js (the upgrade test runs a copy). */
  script?: string;
  /** Options for node itself, before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

/** The caller's environment minus anything that would point the programs elsewhere, plus the home and `extra`. */
export function daemonEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // A Telegram bot token in the caller's environment would make every daemon run a bot.
  for (const name of ['ZEBLIT_HOST', 'ZEBLIT_API_KEY', 'ZEBLIT_SOCKET', 'ZEBLIT_NO_AUTOSTART', 'TELEGRAM_BOT_TOKEN', 'TELEGRAM_API_ROOT', 'TELEGRAM_ALLOWED_USERS']) delete env[name];
  return { ...env, ZEBLIT_HOME: home, ZEBLIT_PORT: '0', ZEBLIT_LOG_LEVEL: 'info', HOME: home, ...extra };
}

/** Spawns the daemon without waiting for it: for tests that expect it to refuse. */
export function spawnDaemon(home: string, opts: StartOptions = {}): { child: ChildProcess; exited: Promise<Exit>; output(): string } {
  const script = opts.script ?? DAEMON_JS;
  requireBuilt(script);
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), script, ...(opts.args ?? [])], { env: daemonEnv(home, opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<Exit>((res) => child.once('exit', (code, signal) => res({ code, signal })));
  void exited.then(() => children.delete(child));
  return { child, exited, output: () => out };
}

/** Starts the built daemon and resolves once its lock names it (with a port) and /health answers on the socket. */
export async function startDaemon(home: string, opts: StartOptions = {}): Promise<DaemonProc> {
  const { child, exited, output } = spawnDaemon(home, opts);
  let exit: Exit | null = null;
  void exited.then((e) => (exit = e));
  const socket = join(home, 'zeblitd.sock');
  const lock = await waitFor('the daemon lock and health', async () => {
    if (exit) throw new Error(`zeblitd exited early (${JSON.stringify(exit)}):\n${output()}`);
    const l = readLockFile(home);
    if (!l || l.pid !== child.pid || l.port === null) return undefined;
    const r = await request({ socketPath: socket }, { path: '/api/v1/health' });
    return r.status === 200 ? l : undefined;
  }).catch((e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });
  return { home, child, pid: lock.pid, port: lock.port ?? 0, socket, exited, output };
}

/** SIGTERM (or another signal) and wait for the exit. */
export async function stopDaemon(d: DaemonProc, signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
  if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill(signal);
  return d.exited;
}

/** Kills every daemon this process started (including ones the CLI started in our homes) and removes the homes. */
export async function cleanup(): Promise<void> {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const home of homes) {
    const lock = readLockFile(home);
    if (lock?.pid && lock.pid !== process.pid && isAlive(lock.pid)) {
      process.kill(lock.pid, 'SIGKILL');
      await waitFor(`pid ${lock.pid} to die`, () => !isAlive(lock.pid), 5_000).catch(() => undefined);
    }
  }
  await waitFor('children to exit', () => children.size === 0, 5_000).catch(() => undefined);
  for (const home of homes) rmSync(home, { recursive: true, force: true });
  homes.clear();
}

export type Target = { socketPath: string } | { port: number };

export const tcp = (d: { port: number }): Target => ({ port: d.port });
export const sock = (d: { socket: string }): Target => ({ socketPath: d.socket });

export interface RequestOptions {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** Serialised as JSON with Content-Type: application/json. */
  json?: unknown;
  /** Sent as is. */
  body?: string | Buffer;
  /** Authorization: Bearer <token>. */
  bearer?: string;
  timeoutMs?: number;
}

export interface RawResponse<T = unknown> {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The parsed envelope when the body is JSON, else null. */
  body: EnvelopeOf<T> | null;
}

/**
 * One HTTP request with node:http, over the socket or TCP, on its own
 * connection. A body goes out in 64 KiB chunks and stops as soon as an answer
 * arrives: the server may answer 413 before reading it all. The connection is
 * kept alive while uploading so the server drains the rest instead of closing
 * mid-write (which would lose its answer to an EPIPE); it is closed after.
 */
export function request<T = unknown>(target: Target, opts: RequestOptions): Promise<RawResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  let body: Buffer | undefined = opts.body === undefined ? undefined : Buffer.from(opts.body);
  if (opts.json !== undefined) {
    body = Buffer.from(JSON.stringify(opts.json));
    headers['content-type'] ??= 'application/json';
  }
  if (body !== undefined) {
    if (headers['transfer-encoding'] === undefined) headers['content-length'] ??= String(body.length);
    headers.connection ??= 'keep-alive';
  }
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  const where = 'socketPath' in target ? { socketPath: target.socketPath } : { host: '127.0.0.1', port: target.port };
  return new Promise((resolvePromise, reject) => {
    let answered = false;
    const req = httpRequest({ ...where, method: opts.method ?? (body === undefined ? 'GET' : 'POST'), path: opts.path, headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        res.socket?.destroy();
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: EnvelopeOf<T> | null = null;
        try {
          parsed = JSON.parse(text) as EnvelopeOf<T>;
        } catch {
          parsed = null;
        }
        resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
      });
    });
    req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error(`request ${opts.path} timed out`)));
    req.on('error', (e) => {
      if (!answered) reject(e);
    });
    void writeChunks(req, body, () => answered).then(() => {
      if (!answered && !req.destroyed) req.end();
    });
  });
}

/** Writes `body` in 64 KiB chunks, honouring back-pressure, until done or `stop()` says so. */
export async function writeChunks(req: ClientRequest, body: Buffer | undefined, stop: () => boolean): Promise<void> {
  const CHUNK = 64 * 1024;
  for (let at = 0; body !== undefined && at < body.length && !stop() && !req.destroyed; at += CHUNK) {
    if (!req.write(body.subarray(at, at + CHUNK))) {
      await new Promise<void>((r) => {
        const done = () => {
          req.off('drain', done).off('close', done);
          r();
        };
        req.on('drain', done).on('close', done);
      });
    }
  }
}

/** `data` of a successful envelope; fails loudly with the whole answer otherwise. */
export function dataOf<T>(r: RawResponse<T>): T {
  if (!r.body?.success || r.body.data === null) throw new Error(`expected success, got HTTP ${r.status}: ${r.text.slice(0, 500)}`);
  return r.body.data;
}

export interface CreatedKey {
  id: string;
  key: string;
  scopes: string[];
}

/** Creates an API key as the socket owner. */
export async function createKey(d: DaemonProc, name: string, scopes: string[] = ['read', 'write']): Promise<CreatedKey> {
  return dataOf(await request<CreatedKey>(sock(d), { method: 'POST', path: '/api/v1/auth/keys', json: { name, scopes } }));
}

export interface WsResult {
  /** The first message (the server says hello) and the echo of what we sent. */
  messages: string[];
}

/** Opens a WebSocket, sends one text message, and resolves with the hello and the echo; rejects with the HTTP status if refused. */
export function wsEcho(url: string, headers: Record<string, string> = {}, send = 'ping'): Promise<WsResult> {
  return new Promise((resolvePromise, reject) => {
    const ws = new WebSocket(url, { headers, handshakeTimeout: 5_000 });
    const messages: string[] = [];
    ws.on('unexpected-response', (req, res) => {
      req.destroy();
      reject(Object.assign(new Error(`upgrade refused: HTTP ${res.statusCode}`), { status: res.statusCode }));
    });
    ws.on('error', reject);
    ws.on('open', () => ws.send(send));
    ws.on('message', (data: WebSocket.RawData) => {
      messages.push(data.toString());
      if (messages.length === 2) {
        ws.close();
        resolvePromise({ messages });
      }
    });
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** True when the CLI exited but its stdout/stderr stayed open (a daemon it spawned inherited them). */
  heldPipes: boolean;
}

/** Runs the built CLI with ZEBLIT_HOME (and HOME) pointed at `home`. */
export function runCli(home: string, args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; /** Piped to stdin (default: no stdin). */ input?: string; /** The working directory (a folder project is found from it). */ cwd?: string } = {}): Promise<CliResult> {
  requireBuilt(CLI_JS);
  const env = daemonEnv(home, { NO_COLOR: '1', ...opts.env });
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI_JS, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], ...(opts.cwd ? { cwd: opts.cwd } : {}) });
    // No input: stdin is at its end at once, as /dev/null would be.
    child.stdin.end(opts.input ?? '');
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`zeblit ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    let closed = false;
    let done = false;
    const finish = (code: number | null, heldPipes: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      children.delete(child);
      resolvePromise({ code, stdout, stderr, heldPipes });
    };
    child.on('close', (code) => {
      closed = true;
      finish(code, false);
    });
    // A daemon started by the CLI must not inherit its pipes; if it does, 'close' never comes.
    child.on('exit', (code) => {
      setTimeout(() => {
        if (closed) return;
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code, true);
      }, 1_000).unref();
    });
  });
}

/** Permission bits of a file, as 0o600 etc. */
export function fileMode(path: string): number {
  return statSync(path).mode & 0o777;
}

/** A CLI run that must have succeeded: its output, or a failure that shows what it printed. */
export function ok(r: CliResult, what: string): CliResult {
  assert.equal(r.code, 0, `${what} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** git in a test repository, as a user with a name and any folder's owner accepted. */
export const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=t@example.com', '-c', 'safe.directory=*', ...args], { cwd, encoding: 'utf8' });
