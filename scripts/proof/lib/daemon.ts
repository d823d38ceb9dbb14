/**
 * The proofs' daemon: the BUILT zeblitd (dist/, or a side build) as a child
 * process in a fresh home, with the fake LLM as its Anthropic provider, a
 * high rate limit (the proofs measure the daemon, not the limiter) unless
 * told otherwise, and an admin API key for its TCP listener.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { demoResponder } from '../../../src/llm/testing/demo-responder.ts';
import { FakeLlm } from '../../../src/llm/testing/fake-llm.ts';
import { send } from './http.ts';

export const ROOT = resolve(import.meta.dirname, '..', '..', '..');

export interface ProofDaemon {
  child: ChildProcess;
  pid: number;
  home: string;
  socket: string;
  port: number;
  /** An admin key (read, write, admin) for TCP. */
  key: string;
  fake: FakeLlm;
  /** Lines the daemon wrote to stderr at level error/fatal. */
  errors: string[];
  stop(): Promise<void>;
}

export interface ProofDaemonOptions {
  /** The bundle to run (default dist/zeblitd.js: run `node build.mjs` first). */
  script?: string;
  env?: Record<string, string>;
  home?: string;
}

export async function startProofDaemon(opts: ProofDaemonOptions = {}): Promise<ProofDaemon> {
  const script = opts.script ?? join(ROOT, 'dist', 'zeblitd.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`node build.mjs\` first`);
  const fake = await FakeLlm.start();
  fake.fallback(demoResponder);
  const home = opts.home ?? mkdtempSync(join(tmpdir(), 'zbl-proof-'));
  // The proofs send thousands of refused requests on purpose: the failed-authentication limiter (tested on its
  // own) would turn most of their 401s into 429s. A home reused across restarts keeps its file.
  const configFile = join(home, 'config.json');
  if (!existsSync(configFile)) writeFileSync(configFile, JSON.stringify({ auth_failure_limit: { per_minute: 1_000_000, burst: 1_000_000 } }), { mode: 0o600 });
  const env = {
    ...process.env,
    ZEBLIT_HOME: home,
    ZEBLIT_PORT: '0',
    ZEBLIT_LOG_LEVEL: 'warn',
    ZEBLIT_RATE_LIMIT_RPS: '100000',
    ZEBLIT_RATE_LIMIT_BURST: '100000',
    ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
    ANTHROPIC_API_KEY: 'sk-ant-proof-0000000000000000',
    ...opts.env,
  };
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const errors: string[] = [];
  let rest = '';
  child.stderr?.on('data', (c: Buffer) => {
    const lines = (rest + c.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) if (/"level":(50|60)/.test(l)) errors.push(l);
  });
  const socket = join(home, 'zeblitd.sock');
  let port = 0;
  for (let i = 0; i < 400 && port === 0; i++) {
    await sleep(50);
    if (child.exitCode !== null) throw new Error(`the daemon exited with ${child.exitCode} while starting`);
    if (!existsSync(socket)) continue;
    const health = await send({ socket, method: 'GET', path: '/api/v1/health' }).catch(() => null);
    if (health?.status !== 200) continue;
    port = (JSON.parse(readFileSync(join(home, 'zeblitd.lock'), 'utf8')) as { port: number | null }).port ?? 0;
  }
  if (port === 0) {
    child.kill('SIGKILL');
    throw new Error('the daemon did not start within 20 s');
  }
  const created = await send({ socket, method: 'POST', path: '/api/v1/auth/keys', json: { name: 'proof', scopes: ['read', 'write', 'admin'], client_type: 'cli' } });
  const key = (created.json as { data?: { key?: string } } | null)?.data?.key;
  if (!key) throw new Error(`could not create an API key: ${created.status} ${created.body.toString().slice(0, 300)}`);
  return {
    child,
    pid: child.pid ?? 0,
    home,
    socket,
    port,
    key,
    fake,
    errors,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const gone = new Promise((r) => child.once('exit', r));
        if ((await Promise.race([gone.then(() => true), sleep(15_000).then(() => false)])) === false) child.kill('SIGKILL');
      }
      await fake.close();
      removeEngineResources(home);
      if (!opts.home) rmSync(home, { recursive: true, force: true });
    },
  };
}

export const rssOf = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

/** Containers, networks and volumes of one home (by its zeblit.home label): what a proof made, gone even when it failed half-way. */
export function removeEngineResources(home: string): void {
  const label = `label=zeblit.home=${createHash('sha256').update(home).digest('hex').slice(0, 16)}`;
  const list = (args: string[]) => {
    try {
      return execFileSync('docker', [...args, '--filter', label, '-q'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  const rm = (args: string[], ids: string[]) => {
    if (ids.length) execFileSync('docker', [...args, ...ids], { stdio: 'ignore' });
  };
  try {
    rm(['rm', '-f'], list(['ps', '-a']));
    rm(['network', 'rm'], list(['network', 'ls']));
    rm(['volume', 'rm', '-f'], list(['volume', 'ls']));
  } catch {
    // The engine may be gone (the faults proof stops it): nothing to remove then.
  }
}
