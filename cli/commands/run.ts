import { Command, Option, UsageError } from 'clipanion';
import type { ExecuteResult } from '../../src/contracts/index.ts';
import { ZeblitCommand } from '../base-command.ts';
import { toJson } from '../format.ts';
import { isInt } from '../validators.ts';

const ENV = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

export class RunCommand extends ZeblitCommand {
  static override paths = [['run']];
  static override json = 'ExecuteResult (`{run_id, exit_code, stdout, stderr, timed_out, …}`; exit code: the command\'s); with --detach RunStarted `{run_id}`';
  static override passThrough = true;
  static override usage = Command.Usage({
    category: 'Containers',
    description: "Run a command in the project's container",
    details: `
      Output streams as it is produced and \`zeblit run\` exits with the command's exit code (124 when it timed out). One argument is a shell command line (\`sh -c\`); several are the program and its arguments, passed as they are. Everything after the first argument belongs to the command, its options too (\`zeblit run node -v\`): options of \`zeblit run\` go before it. Ctrl-C stops the command (its whole process tree). \`--detach\` prints the run id and returns at once: follow it with \`zeblit runs\`.
    `,
    examples: [
      ['A shell command line', '$0 run "npm test && npm run lint"'],
      ['A program and its options', '$0 run python3 -m pytest -x'],
      ['In a folder, with a variable, at most 10 minutes', '$0 run --cwd backend -e DEBUG=1 --timeout 600 make'],
      ['In the background', '$0 run --detach "npm run dev"'],
      ['Feed it stdin', 'cat data.csv | $0 run --stdin "wc -l"'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  cwd = Option.String('--cwd', { description: 'Folder inside /workspace (default /workspace)' });
  vars = Option.Array('-e,--env', { description: 'KEY=VALUE, repeatable' });
  timeout = Option.String('-t,--timeout', { description: 'Seconds before the command is killed (default 120, at most 3600)', validator: isInt(1, 3600) });
  detach = Option.Boolean('-d,--detach', false, { description: 'Start it in the background and print the run id' });
  stdin = Option.Boolean('--stdin', false, { description: "Send this program's stdin to the command" });
  command = Option.Rest({ required: 1, name: 'command' });

  async run(): Promise<number> {
    const ref = this.projectRef(this.project);
    const env: Record<string, string> = {};
    for (const kv of this.vars ?? []) {
      const m = ENV.exec(kv);
      if (!m?.[1]) throw new UsageError(`--env wants KEY=VALUE, got "${kv}"`);
      env[m[1]] = m[2] ?? '';
    }
    const body = {
      command: this.command.length === 1 ? (this.command[0] ?? '') : this.command,
      ...(this.cwd ? { cwd: this.cwd } : {}),
      env,
      ...(this.timeout !== undefined ? { timeout_seconds: this.timeout } : {}),
      ...(this.stdin ? { stdin: await this.readStdin() } : {}),
    };
    const api = (await this.client()).containers;
    if (this.detach) {
      const started = await api.detach(ref, body);
      this.emit(started, (s) => `${s.run_id}\n`);
      return 0;
    }
    if (this.json) {
      const result = await api.execute(ref, body);
      this.out(toJson(result));
      return exitCodeOf(result);
    }
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once('SIGINT', stop);
    try {
      const result = await api.stream(ref, body, (r) => {
        if (r.type === 'stdout') this.context.stdout.write(r.data);
        else if (r.type === 'stderr') this.context.stderr.write(r.data);
      }, ac.signal);
      const note = result.timed_out ? `timed out after ${body.timeout_seconds ?? 120} s: killed` : result.oom_killed ? 'killed: out of memory' : result.status === 'killed' ? 'killed' : result.error;
      if (note) this.err(`zeblit: ${note} (run ${result.run_id})\n`);
      return exitCodeOf(result);
    } catch (e) {
      if (ac.signal.aborted) {
        this.err('zeblit: interrupted; the command was stopped\n');
        return 130;
      }
      throw e;
    } finally {
      process.off('SIGINT', stop);
    }
  }

  private async readStdin(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of this.context.stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
    return Buffer.concat(chunks).toString('utf8');
  }
}

/** The command's own code; 124 for a timeout (as `timeout` does); 1 when it could not run at all. */
export function exitCodeOf(r: ExecuteResult): number {
  if (r.timed_out) return 124;
  return r.exit_code ?? 1;
}
