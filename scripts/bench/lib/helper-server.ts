/** A helper server of the benchmarks (scripts/bench/*-server.ts) in its own process, like the daemon. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, waitFor } from '../../../test/e2e/helpers.ts';

/** Starts scripts/bench/<script> with `args` and waits for the `port=<n>` line it prints when it listens. */
export async function startHelperServer(script: string, args: string[], what: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'bench', script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const port = await waitFor(what, () => {
    if (child.exitCode !== null) throw new Error(`${script.replace(/\.ts$/, '')} exited with ${child.exitCode}`);
    const m = /port=(\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  });
  return { child, port };
}
