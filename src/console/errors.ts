/**
 * Wires the streaming detector into the capture. Invariants: every line is
 * seen by its project's detector before it is stored (so the line's level is
 * known); a detection is written (upsert by fingerprint: repeats are counted)
 * and published as console.error_detected only AFTER the lines it is about
 * were committed; groups that end by silence are closed by a 50 ms idle
 * timer, which keeps detection within 100 ms of the last line.
 */
import { and, eq, sql } from 'drizzle-orm';
import { newId, type DetectedErrorInfo } from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import type { EventBus } from '../events/index.ts';
import type { CapturedLine, ConsoleCapture } from './capture.ts';
import { detected_errors } from './console.sql.ts';
import { ErrorDetector, maxSeverity, type DetectedError } from './detect/index.ts';
import { toErrorInfo } from './store.ts';

export interface ErrorRecorderOptions {
  now?: () => number;
  idleMs?: number;
  /** Projects whose detector saw no line for this long are forgotten (bounded memory). */
  forgetAfterMs?: number;
}

interface ProjectDetector {
  detector: ErrorDetector;
  lastUsed: number;
}

export class ErrorRecorder {
  private readonly detectors = new Map<string, ProjectDetector>();
  private readonly found: { projectId: string; error: DetectedError }[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly now: () => number;
  private readonly idleMs: number;
  private readonly forgetAfterMs: number;

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly capture: ConsoleCapture,
    opts: ErrorRecorderOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.idleMs = opts.idleMs ?? 50;
    this.forgetAfterMs = opts.forgetAfterMs ?? 30 * 60_000;
    capture.observe((line) => this.see(line));
    capture.afterCommit(() => this.record());
  }

  /** A run ended: exit-code based detections (126, 127, 137/OOM, 139) when no line explained the exit. */
  runExited(projectId: string, runId: string, exitCode: number | null, oomKilled = false): void {
    // The run's last lines may still be on their way to storage (sliced commits): judge the exit after them.
    this.capture.afterDrain(() => this.judgeExit(projectId, runId, exitCode, oomKilled));
  }

  private judgeExit(projectId: string, runId: string, exitCode: number | null, oomKilled: boolean): void {
    const d = this.detectorFor(projectId);
    for (const error of d.flush()) this.found.push({ projectId, error });
    for (const error of d.exit({ run_id: runId, exit_code: exitCode, oom_killed: oomKilled, time: this.now() })) this.found.push({ projectId, error });
    this.record();
  }

  /** Closes every open group now (shutdown, tests). */
  flushAll(): void {
    for (const [projectId, p] of this.detectors) for (const error of p.detector.flush()) this.found.push({ projectId, error });
    this.record();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private see(line: CapturedLine) {
    const d = this.detectorFor(line.projectId);
    const errors = d.push({ text: line.text, stream: line.stream, run_id: line.runId, time: line.time });
    for (const error of errors) this.found.push({ projectId: line.projectId, error });
    if (d.pending > 0) this.startTimer();
    return maxSeverity(errors) ?? undefined;
  }

  private detectorFor(projectId: string): ErrorDetector {
    let p = this.detectors.get(projectId);
    if (!p) this.detectors.set(projectId, (p = { detector: new ErrorDetector({ now: this.now }), lastUsed: 0 }));
    p.lastUsed = this.now();
    return p.detector;
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.idleMs);
    this.timer.unref?.();
  }

  private tick(): void {
    const now = this.now();
    let pending = 0;
    for (const [projectId, p] of this.detectors) {
      for (const error of p.detector.flush({ idle_ms: this.idleMs, now })) this.found.push({ projectId, error });
      pending += p.detector.pending;
      if (p.detector.pending === 0 && now - p.lastUsed > this.forgetAfterMs) this.detectors.delete(projectId);
    }
    this.record();
    if (pending === 0) this.stop();
  }

  private record(): void {
    if (this.found.length === 0) return;
    const batch = this.found.splice(0);
    const saved: { projectId: string; info: DetectedErrorInfo }[] = [];
    this.db.transaction((tx) => {
      for (const { projectId, error } of batch) {
        const row = tx
          .insert(detected_errors)
          .values({
            id: newId('error', error.time),
            project_id: projectId,
            fingerprint: error.fingerprint,
            type: error.type,
            language: error.language,
            severity: error.severity,
            message: error.message,
            file: error.file,
            line: error.line,
            suggestion: error.suggestion,
            run_id: error.run_id,
            raw: error.raw,
            occurrences: 1,
            first_seen: error.time,
            last_seen: error.time,
          })
          .onConflictDoUpdate({
            target: [detected_errors.project_id, detected_errors.fingerprint],
            set: {
              occurrences: sql`${detected_errors.occurrences} + 1`,
              last_seen: error.time,
              run_id: error.run_id,
              raw: error.raw,
              line: error.line,
            },
          })
          .returning()
          .get();
        saved.push({ projectId, info: toErrorInfo(row) });
      }
    });
    // Projects deleted meanwhile have no rows to publish against; their events are skipped by the FK.
    for (const { projectId, info } of saved) {
      try {
        this.bus.publish(projectId, 'console.error_detected', {
          error_id: info.id,
          type: info.type,
          language: info.language,
          severity: info.severity,
          message: info.message,
          file: info.file,
          line: info.line,
          occurrences: info.occurrences,
          run_id: info.run_id,
          suggestion: info.suggestion,
        });
      } catch {
        // The project vanished between the write and the publish: nothing to tell anyone.
      }
    }
  }

  /** For a test or a route: the stored error by fingerprint. */
  find(projectId: string, fingerprint: string): DetectedErrorInfo | undefined {
    const row = this.db
      .select()
      .from(detected_errors)
      .where(and(eq(detected_errors.project_id, projectId), eq(detected_errors.fingerprint, fingerprint)))
      .get();
    return row ? toErrorInfo(row) : undefined;
  }
}
