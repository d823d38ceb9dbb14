/**
 * The container's own output (its main process, PID 1's stdout and stderr)
 * goes to the console like every run's, with source "container": while a
 * project's container runs, its log stream is followed from the moment it
 * started; when it stops (or the daemon does) the follow ends.
 */
import type { ConsoleCapture } from '../src/console/index.ts';
import type { Containers } from '../src/containers/index.ts';
import type { Projects } from '../src/projects/index.ts';

export interface MainOutputOptions {
  containers: Containers;
  projects: Projects;
  capture: ConsoleCapture;
  onError: (err: unknown, projectId: string) => void;
}

export function followMainOutput(opts: MainOutputOptions): () => void {
  const following = new Map<string, AbortController>();
  const stop = (projectId: string) => {
    following.get(projectId)?.abort();
    following.delete(projectId);
  };
  const off = opts.containers.events.on('container.status', (e) => {
    if (e.state !== 'running') return stop(e.project_id);
    if (following.has(e.project_id)) return;
    const project = opts.projects.findById(e.project_id);
    if (!project) return;
    const ac = new AbortController();
    following.set(e.project_id, ac);
    // Logs have one-second resolution: start a second early, and the first line of a fast main process is not lost.
    const since = Math.max(0, Math.floor(e.at / 1000) * 1000 - 1000);
    // Not tail 0: the engine then drops every line written before the follow attached, `since` or not (what a
    // main process prints at once, or a command writes to PID 1 just after the start, was lost that way).
    opts.containers
      .followLogs(project, { tail: 10_000, since }, (l) => opts.capture.write({ projectId: project.id, runId: null, source: 'container', stream: l.stream, data: `${l.text}\n` }), ac.signal)
      .catch((err: unknown) => {
        if (!ac.signal.aborted) opts.onError(err, project.id);
      })
      .finally(() => {
        if (following.get(project.id) === ac) following.delete(project.id);
      });
  });
  return () => {
    off();
    for (const id of [...following.keys()]) stop(id);
  };
}
