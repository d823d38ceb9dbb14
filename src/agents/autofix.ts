/**
 * Auto-fix (project setting `auto_fix`, off by default): a command that fails,
 * or a new error in the container's own output, starts an Engineer turn to fix
 * it. After each turn the failed command runs again; the loop ends when it
 * passes, after `auto_fix_attempts` turns, or when a turn cannot go on (budget
 * spent, no provider, cancelled). Every step is an `agent.autofix` event and
 * the turns are an ordinary conversation in the chat history.
 *
 * What never starts a fix: runs started by an agent (the Engineer's own tries
 * and our verification runs), runs a person killed or that timed out, a
 * project already being fixed.
 */
import { ExecuteRequest, type DetectedErrorInfo, type EventPayload, type Project, type ZeblitEvent } from '../contracts/index.ts';
import type { ConsoleService } from '../console/index.ts';
import type { Containers, RunFinishedEvent } from '../containers/index.ts';
import type { EventBus } from '../events/index.ts';
import type { Projects } from '../projects/index.ts';
import type { AgentService } from './service.ts';

export interface AutoFixDeps {
  agents: Pick<AgentService, 'chat'>;
  projects: Pick<Projects, 'findById'>;
  containers: Pick<Containers, 'events' | 'getRun' | 'run'>;
  console: Pick<ConsoleService, 'store' | 'capture'>;
  bus: EventBus;
  onError?: (err: unknown, projectId: string) => void;
}

/** What went wrong, as the Engineer is told. */
export interface Failure {
  trigger: string;
  command: string | null;
  cwd: string | null;
  exitCode: number | null;
  output: string;
  errors: DetectedErrorInfo[];
}

type AutofixStatus = EventPayload<'agent.autofix'>['status'];

const TAIL_CHARS = 4000;
const VERIFY_TIMEOUT_SECONDS = 120;

export class AutoFix {
  private readonly busy = new Map<string, Promise<void>>();

  constructor(private readonly d: AutoFixDeps) {}

  /** Subscribes to finished runs and detected errors; returns the unsubscribe. */
  start(): () => void {
    const offRun = this.d.containers.events.on('run.finished', (f) => this.onRunFinished(f));
    const offBus = this.d.bus.subscribe((e: ZeblitEvent) => {
      if (e.type === 'console.error_detected') this.onErrorDetected(e.project_id, e.data as EventPayload<'console.error_detected'>);
    });
    return () => {
      offRun();
      offBus();
    };
  }

  /** Resolves when no fix is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.busy.size > 0) await Promise.allSettled([...this.busy.values()]);
  }

  private eligible(projectId: string): Project | null {
    const project = this.d.projects.findById(projectId);
    if (!project || project.status !== 'active' || !project.settings.auto_fix) return null;
    if (this.busy.has(projectId)) return null;
    return project;
  }

  private onRunFinished(f: RunFinishedEvent): void {
    if ((f.source ?? 'exec') === 'agent') return;
    if (f.status !== 'exited' || f.exit_code === 0 || f.exit_code === null) return;
    const project = this.eligible(f.project_id);
    if (!project) return;
    // Claim the project now; the run's errors are judged after its last lines are stored.
    this.launch(project, async () => {
      await new Promise<void>((resolve) => this.d.console.capture.afterDrain(resolve));
      const run = this.d.containers.getRun(project, f.run_id);
      const errors = this.d.console.store.errors(project.id, { run_id: f.run_id, severity: 'error', limit: 20 });
      return {
        trigger: `run:${f.run_id}`,
        command: run.command,
        cwd: run.cwd,
        exitCode: f.exit_code,
        output: tailOf(run.stdout, run.stderr),
        errors,
      };
    });
  }

  private onErrorDetected(projectId: string, e: EventPayload<'console.error_detected'>): void {
    // Errors of a run are handled with the run (it has a command to verify); here: the container's own output, new errors only.
    if (e.run_id !== null || e.severity !== 'error' || e.occurrences !== 1) return;
    const project = this.eligible(projectId);
    if (!project) return;
    this.launch(project, async () => {
      const errors = this.d.console.store.errors(projectId, { severity: 'error', limit: 20 }).filter((x) => x.run_id === null);
      const found = errors.find((x) => x.id === e.error_id);
      return { trigger: `error:${e.error_id}`, command: null, cwd: null, exitCode: null, output: found?.raw ?? e.message, errors: found ? [found] : errors.slice(0, 5) };
    });
  }

  private launch(project: Project, describe: () => Promise<Failure>): void {
    const job = (async () => {
      try {
        await this.fix(project, await describe());
      } catch (err) {
        this.d.onError?.(err, project.id);
      } finally {
        this.busy.delete(project.id);
      }
    })();
    this.busy.set(project.id, job);
  }

  /** The attempts for one failure. Public for tests and a later "fix this run" command. */
  async fix(first: Project, failure: Failure): Promise<void> {
    const max = first.settings.auto_fix_attempts;
    let conversationId: string | null = null;
    let changed: string[] = [];
    let lastOutput = failure.output;
    const emit = (status: AutofixStatus, attempt: number, message: string) =>
      this.d.bus.publish(first.id, 'agent.autofix', { status, attempt, max_attempts: max, trigger: failure.trigger, conversation_id: conversationId, files_changed: changed, message });

    for (let attempt = 1; attempt <= max; attempt++) {
      const project = this.d.projects.findById(first.id);
      if (!project || !project.settings.auto_fix) return void emit('skipped', attempt, 'auto-fix was turned off');
      emit('started', attempt, failure.command ? `fixing \`${failure.command}\` (exit ${failure.exitCode})` : `fixing: ${failure.errors[0]?.message ?? 'an error in the output'}`);
      let res;
      try {
        res = await this.d.agents.chat(
          { userId: null, project },
          { message: fixRequest(failure, attempt, lastOutput), agent: 'engineer', conversation_id: conversationId ?? undefined, stream: false },
          { kind: 'autofix' },
        );
      } catch (err) {
        return void emit('gave_up', attempt, `the Engineer could not start: ${(err as Error).message}`);
      }
      conversationId = res.conversation_id;
      changed = [...new Set([...changed, ...res.files_changed])];
      if (res.status !== 'completed') return void emit('gave_up', attempt, `the Engineer's turn ended ${res.status}${res.error ? `: ${res.error.message}` : ''}`);
      if (!failure.command) return void emit('fixed', attempt, `the Engineer finished (not verified: the error came from the container's own output): ${res.answer.slice(0, 500)}`);

      const verify = await this.d.containers.run(
        { userId: null, keyId: null, clientType: null, source: 'agent' },
        project,
        ExecuteRequest.parse({ command: failure.command, cwd: failure.cwd ?? undefined, timeout_seconds: VERIFY_TIMEOUT_SECONDS }),
      );
      const result = await verify.finished;
      if (result.status === 'exited' && result.exit_code === 0) return void emit('fixed', attempt, `\`${failure.command}\` passes now (run ${result.run_id})`);
      lastOutput = tailOf(result.stdout, result.stderr);
      emit('failed', attempt, `\`${failure.command}\` still fails (exit ${result.exit_code ?? result.status}, run ${result.run_id})`);
    }
    emit('gave_up', max, `still failing after ${max} attempt${max === 1 ? '' : 's'}`);
  }
}

function tailOf(stdout: string, stderr: string): string {
  const text = [stdout.trimEnd(), stderr.trimEnd()].filter(Boolean).join('\n--- stderr ---\n');
  return text.length > TAIL_CHARS ? `…${text.slice(-TAIL_CHARS)}` : text;
}

function fixRequest(f: Failure, attempt: number, lastOutput: string): string {
  const errors = f.errors.map((e) => `- ${e.type}: ${e.message}${e.file ? ` (${e.file}${e.line ? `:${e.line}` : ''})` : ''}`).join('\n');
  const lines = [
    attempt === 1 ? '[auto-fix] Something failed in this project. Find the cause and fix it.' : `[auto-fix] Attempt ${attempt}: the command still fails after your last change.`,
    f.command ? `Command: \`${f.command}\`${f.cwd ? ` (in ${f.cwd})` : ''}, exit code ${f.exitCode}.` : "The error appeared in the container's own output.",
    errors ? `Detected errors:\n${errors}` : '',
    `Output (tail):\n\`\`\`\n${lastOutput}\n\`\`\``,
    f.command
      ? 'Fix the code (not the command), run the command again to check, then finish with a short summary of what you changed. If it cannot be fixed in code, explain why and finish.'
      : 'Fix the code, check it if you can, then finish with a short summary of what you changed.',
  ];
  return lines.filter(Boolean).join('\n\n');
}
