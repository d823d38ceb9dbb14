/**
 * The plain path: one `docker exec` per command, for images where the runner
 * cannot start (no perl). Slower (~70 ms a command here), same guarantees:
 * every process of a command carries ZEBLIT_RUN_TAG, and a kill signals every
 * process in the container that carries it.
 */
import type { ContainerEngine, EngineExec } from '../engine.ts';
import type { KillSignal, ProcessExit, ProcessSink, RunningProcess, SpawnRequest, Spawner } from './process.ts';

/** POSIX sh (dash, busybox): signal every process whose environment holds the tag; KILL repeats until none is left. */
export const KILL_SCRIPT = `sig=$1; tag=$2; round=0
while [ $round -lt 20 ]; do
  round=$((round+1)); n=0
  for d in /proc/[0-9]*; do
    p=\${d#/proc/}
    [ "$p" = "$$" ] && continue
    if tr '\\000' '\\n' < "$d/environ" 2>/dev/null | grep -qx "ZEBLIT_RUN_TAG=$tag"; then
      kill -s "$sig" "$p" 2>/dev/null && n=$((n+1))
    fi
  done
  [ $n -eq 0 ] && break
  [ "$sig" = KILL ] || break
done`;

export class ExecSpawner implements Spawner {
  readonly kind = 'exec' as const;
  private closed = false;

  constructor(
    private readonly engine: () => Promise<ContainerEngine>,
    private readonly containerId: string,
  ) {}

  get alive(): boolean {
    return !this.closed;
  }

  spawn(req: SpawnRequest, sink: ProcessSink): RunningProcess {
    const started: Promise<EngineExec> = this.engine().then((e) =>
      e.exec(this.containerId, { cmd: req.argv, env: { ...req.env, ZEBLIT_RUN_TAG: req.tag }, workdir: req.cwd, stdin: req.stdin }),
    );
    const done: Promise<ProcessExit> = started.then(
      async (ex) => {
        let notFound = false;
        ex.onOutput((s, c) => {
          // Docker reports a missing program as 126 with an OCI message; a shell (and the runner) says 127.
          if (!notFound && c.length < 4096 && /OCI runtime exec failed.*(executable file not found|no such file or directory)/i.test(c.toString('utf8'))) notFound = true;
          sink.output(s, c);
        });
        const raw = await ex.finished;
        const code = raw === 126 && notFound ? 127 : raw;
        return { exitCode: code, signal: code !== null && code > 128 && code < 160 ? code - 128 : null, error: code === null ? 'the exit status was lost' : null };
      },
      (e: unknown) => ({ exitCode: null, signal: null, error: e instanceof Error ? e.message : String(e) }),
    );
    const whenStarted = (fn: (ex: EngineExec) => void) => void started.then(fn, () => {});
    return {
      done,
      write: (data) => whenStarted((ex) => ex.write(data)),
      endInput: () => whenStarted((ex) => ex.end()),
      pause: () => whenStarted((ex) => ex.pause()),
      resume: () => whenStarted((ex) => ex.resume()),
      kill: async (signal: KillSignal) => {
        await started.catch(() => {});
        await this.run(['sh', '-c', KILL_SCRIPT, 'zeblit-kill', signal, req.tag]);
      },
    };
  }

  async ping(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([this.run(['true']).then((code) => code === 0), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.closed = true;
  }

  private async run(cmd: string[]): Promise<number | null> {
    const ex = await (await this.engine()).exec(this.containerId, { cmd, stdin: false });
    ex.onOutput(() => {});
    return ex.finished;
  }
}
