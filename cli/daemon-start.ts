/**
 * Starting the local daemon as pm2 does: ping it, and only when nothing
 * answers spawn it detached (its output to logs/zeblitd.out), then wait until
 * /api/v1/health answers over the socket. A daemon that is already starting
 * (its lock names a live zeblitd) is waited for, never doubled.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import type { Health, ZeblitPaths } from '../src/contracts/index.ts';
import { ClientTimeoutError, DaemonUnreachableError, ZeblitApiError, ZeblitClient } from '../src/client/index.ts';
import { CliError } from './cli-error.ts';
import type { Env } from './connection.ts';
import { isDaemonProcess, readDaemonLock } from '../src/contracts/lock.ts';

export interface StartOptions {
  env: Env;
  paths: ZeblitPaths;
  stderr: Writable;
  /** The daemon program; found next to the CLI bundle by default. */
  program?: string;
  timeoutMs?: number;
  pollMs?: number;
}

export interface DaemonState {
  started: boolean;
  pid: number | undefined;
  health: Health;
}

/** dist/zeblitd.js beside the CLI bundle (this code sits in a chunk in dist/cli/); from the sources (tsx), the built one in dist/. */
export function daemonProgram(): string {
  const candidates = [new URL('../zeblitd.js', import.meta.url), new URL('./zeblitd.js', import.meta.url), new URL('../dist/zeblitd.js', import.meta.url)].map((u) => fileURLToPath(u));
  return candidates.find((p) => existsSync(p)) ?? candidates[0] ?? 'zeblitd.js';
}

/**
 * How to run the daemon program with `args`: node and the zeblitd bundle
 * beside this CLI (or `program`), or, inside the single executable, that
 * executable itself (it is zeblitd unless called as zeblit).
 */
export function daemonCommand(args: string[], program?: string): { command: string; args: string[] } {
  if (isSingleExecutable()) return { command: process.execPath, args: ['zeblitd', ...args] };
  return { command: process.execPath, args: [program ?? daemonProgram(), ...args] };
}

/** True inside the Node single executable application (build.mjs --sea): its entry point sets the mark before anything runs. */
export function isSingleExecutable(): boolean {
  return (globalThis as Record<string, unknown>).__ZEBLIT_SEA__ === true;
}

/** A token-less client on the home socket: health is public, and a stale stored key must not make the ping fail. */
export function socketClient(paths: ZeblitPaths, timeoutMs = 2_000): ZeblitClient {
  return new ZeblitClient({ transport: { kind: 'unix', socketPath: paths.socket }, timeoutMs });
}

/** Health if the daemon answers, undefined if nothing listens; other failures are thrown. */
export async function pingDaemon(paths: ZeblitPaths, timeoutMs = 2_000): Promise<Health | undefined> {
  try {
    return await socketClient(paths, timeoutMs).health();
  } catch (e) {
    if (e instanceof DaemonUnreachableError) return undefined;
    throw e;
  }
}

/**
 * Whether something accepts connections on the socket. Every command checks
 * this before its first request; a bare connect costs about a millisecond,
 * where a /health request would cost a whole HTTP exchange more (the first
 * one of a process is the dear one, and the command's own request pays it
 * anyway). What answers is then told apart by that request.
 */
export function socketAccepts(socketPath: string, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(socketPath);
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// A synchronous require of a built-in module, also inside the CommonJS bundle (a dynamic import() would not work there).
const requireBuiltin = createRequire(import.meta.url);

/** The last lines written to `file` after byte `from`: this start's output only, not earlier attempts'. */
function tail(file: string, lines: number, from = 0): string {
  try {
    return readFileSync(file).subarray(from).toString('utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Ensures a daemon answers on the home socket, starting one if needed (the caller decided it may). */
export async function startDaemon(opts: StartOptions): Promise<DaemonState> {
  const { paths, stderr } = opts;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const pollMs = opts.pollMs ?? 100;
  const running = await pingDaemon(paths);
  if (running) return { started: false, pid: running.pid, health: running };

  const lock = readDaemonLock(paths.lock);
  const starting = lock?.pid !== undefined && isDaemonProcess(lock.pid);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let childPid: number | undefined;
  const outFile = join(paths.logs, 'zeblitd.out');
  let outStart = 0;

  if (starting) {
    stderr.write(`Waiting for zeblitd (pid ${lock.pid}) to start… `);
  } else {
    const program = opts.program ?? daemonProgram();
    if (!isSingleExecutable() && !existsSync(program))
      throw new CliError('DAEMON_NOT_FOUND', `Cannot find the daemon program at ${program}`, { suggestion: 'Build it with `node build.mjs` (or `npm run build`).' });
    mkdirSync(paths.logs, { recursive: true, mode: 0o700 });
    const out = openSync(outFile, 'a', 0o600);
    outStart = existsSync(outFile) ? statSync(outFile).size : 0;
    stderr.write('Starting zeblitd… ');
    // Loaded here: most commands find the daemon running and never spawn anything.
    const { spawn } = requireBuiltin('node:child_process') as typeof import('node:child_process');
    try {
      const run = daemonCommand([], program);
      const child = spawn(run.command, run.args, { detached: true, stdio: ['ignore', out, out], env: { ...opts.env }, cwd: paths.home });
      childPid = child.pid;
      child.once('exit', (code, signal) => (exited = { code, signal }));
      child.once('error', () => (exited = { code: null, signal: null }));
      child.unref();
    } finally {
      closeSync(out);
    }
  }

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const health = await pingDaemon(paths, 1_000).catch((e: unknown) => {
      if (e instanceof ClientTimeoutError) return undefined;
      stderr.write('failed\n');
      // It answers, but not well: waiting longer would not help.
      const why = e instanceof ZeblitApiError ? `[${e.code}] ${e.message}` : (e as Error).message;
      throw new CliError('DAEMON_UNHEALTHY', `zeblitd answers on ${paths.socket} but its health check failed: ${why}`, {
        suggestion: `See the daemon log: zeblit daemon logs (${paths.daemonLog}).`,
      });
    });
    if (health) {
      stderr.write(`ready (pid ${health.pid ?? childPid ?? '?'})\n`);
      return { started: !starting, pid: health.pid ?? childPid, health };
    }
    if (exited) {
      stderr.write('failed\n');
      const how = exited.signal ? `was killed by ${exited.signal}` : `exited with code ${exited.code}`;
      const output = tail(outFile, 5, outStart);
      throw new CliError('DAEMON_START_FAILED', `zeblitd ${how} before it was ready${output ? `:\n${output}` : ''}`, {
        suggestion: `See ${outFile} and ${paths.daemonLog}.`,
      });
    }
    if (Date.now() >= deadline) {
      stderr.write('timed out\n');
      throw new CliError('DAEMON_START_TIMEOUT', `zeblitd did not answer on ${paths.socket} within ${Math.round(timeoutMs / 1000)} s`, {
        suggestion: `See ${outFile} and ${paths.daemonLog}; \`zeblit daemon status\` tells whether it came up later.`,
      });
    }
    await sleep(pollMs);
  }
}
