/**
 * Carries what the containers domain announces to the rest of the daemon:
 * container.status and build.status onto the event bus, run output into the
 * console capture. Output sent to the console is capped per run, so a command
 * that prints gigabytes does not turn into gigabytes of stored lines.
 */
import type { ConsoleCapture } from '../console/index.ts';
import type { EventBus } from '../events/index.ts';
import type { BuildStatus } from '../contracts/index.ts';
import type { ContainerEvents, Emitter } from './emitter.ts';
import type { Log } from './options.ts';

const BUILD_STATUS: Record<BuildStatus['status'], 'pulling' | 'building' | 'ready' | 'failed'> = {
  checking: 'pulling',
  pulling: 'pulling',
  ready: 'ready',
  fallback: 'ready',
  failed: 'failed',
};

export interface BridgeOptions {
  bus: EventBus;
  capture?: ConsoleCapture;
  log: Log;
  /** Bytes of one run's output (per stream) passed to the console; the rest is counted, not stored (default 4 MiB). */
  consoleCapBytes?: number;
}

export function bridgeEvents(events: Emitter<ContainerEvents>, opts: BridgeOptions): () => void {
  const cap = opts.consoleCapBytes ?? 4 << 20;
  const sent = new Map<string, { stdout: number; stderr: number; dropped: number }>();
  const publish = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      // A project deleted meanwhile has no event stream any more.
      opts.log.debug({ err }, 'container event not published');
    }
  };
  const offs = [
    events.on('container.status', (e) =>
      publish(() => opts.bus.publish(e.project_id, 'container.status', { state: e.state, previous: e.previous, reason: e.reason, exit_code: e.exit_code, oom_killed: e.oom_killed })),
    ),
    events.on('build.status', (b) => {
      if (!b.project_id) return;
      const progress = b.progress && b.progress.total > 0 ? Math.min(100, Math.round((b.progress.current / b.progress.total) * 100)) : null;
      const projectId = b.project_id;
      publish(() => opts.bus.publish(projectId, 'build.status', { image: b.image, status: BUILD_STATUS[b.status], progress, message: b.message }));
    }),
  ];
  const capture = opts.capture;
  if (capture) {
    offs.push(
      events.on('run.output', (o) => {
        const s = sent.get(o.run_id) ?? { stdout: 0, stderr: 0, dropped: 0 };
        sent.set(o.run_id, s);
        if (s[o.stream] >= cap) {
          s.dropped += o.chunk.length;
          return;
        }
        s[o.stream] += o.chunk.length;
        capture.write({ projectId: o.project_id, runId: o.run_id, source: 'exec', stream: o.stream, data: o.chunk });
      }),
      events.on('run.finished', (f) => {
        const s = sent.get(f.run_id);
        sent.delete(f.run_id);
        if (s && s.dropped > 0)
          capture.write({ projectId: f.project_id, runId: f.run_id, source: 'system', stream: 'stderr', data: `\n[zeblit: ${s.dropped} more characters of output were not kept in the console]\n` });
        publish(() => capture.endRun(f.project_id, f.run_id));
      }),
    );
  }
  return () => offs.forEach((off) => off());
}
