import type { Db } from '../db/index.ts';
import type { EventBus } from '../events/index.ts';
import { ConsoleCapture, type CaptureOptions } from './capture.ts';
import { ConsoleStore, DEFAULT_RETENTION, type Retention } from './store.ts';
import { ErrorRecorder } from './errors.ts';
import { analyze, type ErrorRecord } from './detect/index.ts';
import type { Analysis, DetectedErrorInfo, TemplateName } from '../contracts/index.ts';

export { ConsoleCapture, type ConsoleChunk, type CapturedLine, type LineObserver, type CommitHook } from './capture.ts';
export { ConsoleStore, DEFAULT_RETENTION, type Retention } from './store.ts';
export { ErrorRecorder } from './errors.ts';
export * as consoleTables from './console.sql.ts';

export interface ConsoleOptions extends CaptureOptions {
  retention?: Retention;
}

/** The console domain: capture (write side), store (read side), retention. */
export class ConsoleService {
  readonly capture: ConsoleCapture;
  readonly store: ConsoleStore;
  readonly errors: ErrorRecorder;
  readonly retention: Retention;

  constructor(db: Db, bus: EventBus, opts: ConsoleOptions = {}) {
    this.capture = new ConsoleCapture(bus, opts);
    this.store = new ConsoleStore(db);
    this.errors = new ErrorRecorder(db, bus, this.capture, { now: opts.now });
    this.retention = opts.retention ?? DEFAULT_RETENTION;
  }

  /** A run ended: flush its partial lines, then let the detector judge its exit code. */
  runExited(projectId: string, runId: string, exitCode: number | null, oomKilled = false): void {
    this.capture.endRun(projectId, runId);
    this.errors.runExited(projectId, runId, exitCode, oomKilled);
  }

  /**
   * The errors detected in a run, once its lines are stored and its exit
   * judged. Call it after the run finished: `runExited` (wired to run.finished)
   * has then queued its judgement, and drain waiters run in the order they came.
   */
  runErrors(projectId: string, runId: string, limit = 20): Promise<DetectedErrorInfo[]> {
    return new Promise((resolve, reject) =>
      this.capture.afterDrain(() => {
        try {
          resolve(this.store.errors(projectId, { run_id: runId, limit }));
        } catch (err) {
          reject(err);
        }
      }),
    );
  }

  /** Rule-based analysis of the stored errors: groups, probable causes, suggestions. */
  analyze(errors: DetectedErrorInfo[], ctx: { template?: TemplateName; memory_mb?: number } = {}): Omit<Analysis, 'ai_explanation' | 'ai_usage'> {
    return analyze(
      // The analysis keys on type, message and file; pattern_id is not stored, the type stands in for it.
      errors.map((e) => ({ ...e, pattern_id: e.type, language: e.language as ErrorRecord['language'] })),
      ctx,
    );
  }

  /** Everything buffered is written and detected now (before shutdown or a read). */
  flush(): void {
    this.capture.flush();
    this.errors.flushAll();
  }

  close(): void {
    this.flush();
    this.errors.stop();
  }

  /** Background retention: every project with output is cut back to its limits. */
  prune(): number {
    let removed = 0;
    for (const p of this.store.projectsWithOutput()) removed += this.store.prune(p, this.retention);
    return removed;
  }
}
