import type { DetectedError, ErrorRecord } from './types.ts';

export interface RepeatTrackerOptions {
  /** Distinct errors kept; past it the one seen longest ago is forgotten. */
  max_records?: number;
}

export interface RecordResult {
  record: ErrorRecord;
  /** First time this fingerprint is seen: insert a row / publish with occurrences 1. */
  is_new: boolean;
}

/**
 * Turns detections into one record per fingerprint: a repeat increments
 * `occurrences` and moves `last_seen`, it never adds a record. One tracker
 * per project. The Map's insertion order is kept as recency order (a record
 * is re-inserted when seen), so evicting the stalest record is O(1).
 */
export class RepeatTracker {
  readonly #max: number;
  readonly #records = new Map<string, ErrorRecord>();

  constructor(opts: RepeatTrackerOptions = {}) {
    this.#max = opts.max_records ?? 1000;
  }

  get size(): number {
    return this.#records.size;
  }

  record(e: DetectedError): RecordResult {
    const prev = this.#records.get(e.fingerprint);
    if (prev) {
      this.#records.delete(e.fingerprint);
      // The latest occurrence describes the code as it is now (line numbers move as it is edited).
      const next: ErrorRecord = {
        ...prev,
        message: e.message,
        file: e.file,
        line: e.line,
        suggestion: e.suggestion,
        run_id: e.run_id,
        raw: e.raw,
        severity: e.severity,
        occurrences: prev.occurrences + 1,
        first_seen: Math.min(prev.first_seen, e.time),
        last_seen: Math.max(prev.last_seen, e.time),
      };
      this.#records.set(e.fingerprint, next);
      return { record: { ...next }, is_new: false };
    }
    const rec: ErrorRecord = {
      fingerprint: e.fingerprint,
      pattern_id: e.pattern_id,
      type: e.type,
      language: e.language,
      severity: e.severity,
      message: e.message,
      file: e.file,
      line: e.line,
      suggestion: e.suggestion,
      run_id: e.run_id,
      raw: e.raw,
      occurrences: 1,
      first_seen: e.time,
      last_seen: e.time,
    };
    this.#insert(rec);
    return { record: { ...rec }, is_new: true };
  }

  get(fingerprint: string): ErrorRecord | undefined {
    const r = this.#records.get(fingerprint);
    return r ? { ...r } : undefined;
  }

  /** Most recently seen first. */
  list(): ErrorRecord[] {
    return [...this.#records.values()].reverse().map((r) => ({ ...r }));
  }

  /** Restores records from storage (e.g. detected_errors rows) so counting continues after a restart. */
  load(records: Iterable<ErrorRecord>): void {
    for (const r of [...records].sort((a, b) => a.last_seen - b.last_seen)) {
      this.#records.delete(r.fingerprint);
      this.#insert({ ...r });
    }
  }

  delete(fingerprint: string): boolean {
    return this.#records.delete(fingerprint);
  }

  clear(): void {
    this.#records.clear();
  }

  #insert(r: ErrorRecord): void {
    while (this.#records.size >= this.#max) {
      const oldest = this.#records.keys().next();
      if (oldest.done) break;
      this.#records.delete(oldest.value);
    }
    this.#records.set(r.fingerprint, r);
  }
}
