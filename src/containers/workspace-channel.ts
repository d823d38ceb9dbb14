/**
 * The archive channel of archive mode (see WorkspaceMode in profile.ts): how
 * the files domain copies the workspace out of and into a container that
 * cannot see the host folder. It never creates a container. Pulls and pushes
 * use the project's container in whatever state it is (Docker copies to and
 * from stopped containers and their volumes too); with no container there is
 * nothing to copy, and the push after the next start brings it in step.
 * Removal needs a process, so it starts a stopped container (auto-start on
 * access, as every other use does) and runs `rm` through the container's
 * channel: as the container's user, with the paths as arguments (no shell).
 */
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { WORKSPACE_DIR, ZeblitError, type Project } from '../contracts/index.ts';
import type { EngineGate } from './gate.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { ContainerUser } from './profile.ts';

export interface WorkspaceChannelDeps {
  gate: EngineGate;
  lifecycle: Lifecycle;
  project: (projectId: string) => Project | undefined;
  userFor: (project: Pick<Project, 'path'>) => ContainerUser;
}

/** Paths per `rm` (argv stays far below ARG_MAX). */
const RM_BATCH = 200;

export class WorkspaceChannel {
  constructor(private readonly d: WorkspaceChannelDeps) {}

  /** A tar of the container's /workspace (names under `workspace/`), or null when the project has no container. */
  async pull(projectId: string): Promise<Readable | null> {
    const id = this.containerOf(projectId);
    if (!id) return null;
    return (await this.d.gate.get()).getArchive(id, WORKSPACE_DIR);
  }

  /**
   * Extracts a tar (names relative to the workspace) into the container's
   * /workspace. Every entry is given to the container's user: Docker would
   * otherwise keep the archive's owner, and files owned by another user could
   * not be changed by the project's commands.
   */
  async push(projectId: string, archive: Readable): Promise<void> {
    const id = this.containerOf(projectId);
    if (!id) {
      archive.resume();
      return;
    }
    const user = this.d.userFor(this.d.project(projectId) ?? { path: null });
    await (await this.d.gate.get()).putArchive(id, WORKSPACE_DIR, ownedBy(archive, user));
  }

  /** Removes workspace-relative paths (files or folders) in the container. */
  async remove(projectId: string, paths: string[]): Promise<void> {
    for (const p of paths) checkRelative(p);
    if (paths.length === 0 || !this.containerOf(projectId)) return;
    const project = this.d.project(projectId);
    if (!project) return;
    const live = await this.d.lifecycle.ensureRunning(project);
    const spawner = live.spawner;
    if (!spawner) throw new ZeblitError('UNAVAILABLE', `The container of ${projectId} has no way in`);
    for (let i = 0; i < paths.length; i += RM_BATCH) {
      const argv = ['rm', '-rf', '--', ...paths.slice(i, i + RM_BATCH).map((p) => `${WORKSPACE_DIR}/${p}`)];
      const errors: Buffer[] = [];
      const proc = spawner.spawn({ argv, env: {}, cwd: WORKSPACE_DIR, tag: `rm-${Date.now().toString(36)}`, stdin: false }, { output: (s, c) => s === 'stderr' && errors.push(c) });
      const exit = await proc.done;
      if (exit.exitCode !== 0) throw new ZeblitError('UNAVAILABLE', `Removing files in the container failed (${exit.error ?? `exit ${exit.exitCode}`}): ${Buffer.concat(errors).toString('utf8').slice(0, 500)}`);
    }
  }

  private containerOf(projectId: string): string | null {
    const project = this.d.project(projectId);
    return project ? this.d.lifecycle.live(project).containerId : null;
  }
}

/** Workspace-relative, normalised, inside: what the files domain sends; anything else is a bug to stop here. */
function checkRelative(p: string): void {
  if (p === '' || p.startsWith('/') || p.includes('\0') || p.split('/').some((s) => s === '' || s === '.' || s === '..'))
    throw new ZeblitError('INVALID_PATH', `Not a workspace path: ${JSON.stringify(p)}`);
}

/** The same tar with every entry owned by `user`. */
export function ownedBy(input: Readable, user: ContainerUser): Readable {
  const extract = tar.extract();
  const pack = tar.pack();
  const out = new PassThrough();
  pack.pipe(out);
  extract.on('entry', (header, stream, next) => {
    stream.pipe(pack.entry({ ...header, uid: user.uid, gid: user.gid, uname: '', gname: '' }, (err) => next(err ?? undefined)));
  });
  extract.on('finish', () => pack.finalize());
  pipeline(input, extract).catch((err: Error) => out.destroy(err));
  return out;
}
