import type { Checkpoint, CheckpointDiff, CheckpointList, CheckpointListQuery, UndoResult } from '../contracts/index.ts';
import { seg, type Requester } from './requester.ts';

export type CheckpointListParams = Omit<CheckpointListQuery, 'limit' | 'offset'> & { limit?: number; offset?: number };

/** /api/v1/projects/{id}/checkpoints: what each agent turn changed, its diff, undo. A turn is its message id, or `latest`. */
export class CheckpointsApi {
  constructor(private readonly r: Requester) {}

  list(project: string, query: CheckpointListParams = {}): Promise<CheckpointList> {
    return this.r.request('GET', `/projects/${seg(project)}/checkpoints`, { query: { ...query } });
  }

  get(project: string, turn: string): Promise<Checkpoint> {
    return this.r.request('GET', `/projects/${seg(project)}/checkpoints/${seg(turn)}`);
  }

  diff(project: string, turn: string, query: { context?: number } = {}): Promise<CheckpointDiff> {
    return this.r.request('GET', `/projects/${seg(project)}/checkpoints/${seg(turn)}/diff`, { query: { ...query } });
  }

  undo(project: string, turn: string, opts: { force?: boolean } = {}): Promise<UndoResult> {
    return this.r.request('POST', `/projects/${seg(project)}/checkpoints/${seg(turn)}/undo`, { json: { force: opts.force ?? false } });
  }
}
