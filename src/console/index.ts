import type { Db } from '../db/index.ts';
import type { EventBus } from '../events/index.ts';
import { ConsoleCapture, type CaptureOptions } from './capture.ts';
import { ConsoleStore, DEFAULT_RETENTION, type Retention } from './store.ts';

export { ConsoleCapture, type ConsoleChunk, type CapturedLine, type LineObserver, type CommitHook } from './capture.ts';
export { ConsoleStore, DEFAULT_RETENTION, type Retention } from './store.ts';
export * as consoleTables from './console.sql.ts';

export interface ConsoleOptions extends CaptureOptions {
  retention?: Retention;
}

/** The console domain: capture (write side), store (read side), retention. */
export class ConsoleService {
  readonly capture: ConsoleCapture;
  readonly store: ConsoleStore;
  readonly retention: Retention;

  constructor(db: Db, bus: EventBus, opts: ConsoleOptions = {}) {
    this.capture = new ConsoleCapture(bus, opts);
    this.store = new ConsoleStore(db);
    this.retention = opts.retention ?? DEFAULT_RETENTION;
  }

  /** Background retention: every project with output is cut back to its limits. */
  prune(): number {
    let removed = 0;
    for (const p of this.store.projectsWithOutput()) removed += this.store.prune(p, this.retention);
    return removed;
  }
}
