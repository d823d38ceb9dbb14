/**
 * Archive mode's side of the API's changes (see remote.ts): each change is
 * pushed into the container in the background, in order, and after a
 * container (re)starts the whole workspace is pushed once, which commands
 * wait for. Nothing here runs for a project whose container sees the folder.
 */
import type { FileChange } from '../contracts/index.ts';
import type { FilesCore } from './core.ts';
import { pushChanges, type RemoteWorkspaces } from './remote.ts';

export class MirrorPushes {
  private pushing: Promise<void> = Promise.resolve();
  private readonly full = new Map<string, Promise<number>>();

  constructor(
    private readonly core: FilesCore,
    private readonly remote: RemoteWorkspaces | undefined,
    private readonly onError: (err: unknown, what: string) => void,
  ) {}

  /** Mirrors an API change into the container, after the ones before it. */
  later(projectId: string, changes: FileChange[]): void {
    const remote = this.remote;
    if (!remote) return;
    this.pushing = this.pushing
      .then(() => pushChanges(this.core, remote, projectId, changes))
      .catch((err: unknown) => this.onError(err, `push to the container of ${projectId}`));
  }

  /** Resolves when every pending push is done. */
  flush(): Promise<void> {
    return this.pushing;
  }

  /** Pushes the whole workspace (see FileService.pushAll); remembered until done, for ready(). */
  all(projectId: string): Promise<number> {
    const done = this.allNow(projectId);
    // Set at once (the caller is the container's "running" event): commands wait on it through ready().
    this.full.set(projectId, done);
    void done.catch(() => undefined).finally(() => {
      if (this.full.get(projectId) === done) this.full.delete(projectId);
    });
    return done;
  }

  /** Resolves when the last whole-workspace push of this project is over (whatever its outcome). */
  ready(projectId: string): Promise<void> {
    return (this.full.get(projectId) ?? Promise.resolve(0)).then(
      () => undefined,
      () => undefined,
    );
  }

  private async allNow(projectId: string): Promise<number> {
    const remote = this.remote;
    if (!remote || !(await remote.isRemote(projectId))) return 0;
    return this.core.exclusive(projectId, async () => {
      await this.flush();
      const files = filesAt(this.core, projectId, '');
      await pushChanges(this.core, remote, projectId, files);
      return files.length;
    });
  }
}

/** Every file under `rel`, as changes to push. */
export function filesAt(core: FilesCore, projectId: string, rel: string): FileChange[] {
  return core
    .ws(projectId)
    .filesUnder(rel)
    .map((path) => ({ path, action: 'modified' as const, version: null }));
}
