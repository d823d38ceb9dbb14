/**
 * Carries what the containers domain announces to the rest of the daemon:
 * container.status and build.status onto the event bus, run output into the
 * console capture. Output sent to the console is rate-limited per run (a token
 * bucket: bursts up to `consoleBurstBytes`, then `consoleBytesPerSecond`), so a
 * command that prints gigabytes does not turn into gigabytes of stored lines,
 * while a dev server that logs for days keeps its console. What is dropped is
 * counted and said in the console.
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
  /** Output one run may send to the console at once (default 4 MiB)… */
  consoleBurstBytes?: number;
  /** …and per second after that (default 256 KiB/s); the rest is counted, not stored. */
  consoleBytesPerSecond?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
  dropped: number;
}

export function bridgeEvents(events: Emitter<ContainerEvents>, opts: BridgeOptions): () => void {
  const burst = opts.consoleBurstBytes ?? 4 << 20;
  const rate = opts.consoleBytesPerSecond ?? 256 << 10;
  const now = opts.now ?? Date.now;
  const buckets = new Map<string, Bucket>();
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
    const notice = (projectId: string, runId: string, b: Bucket) => {
      if (b.dropped === 0) return;
      capture.write({ projectId, runId, source: 'system', stream: 'stderr', data: `\n[zeblit: ${b.dropped} characters of output were not kept in the console (more than ${rate >> 10} KiB/s)]\n` });
      b.dropped = 0;
    };
    offs.push(
      events.on('run.output', (o) => {
        const t = now();
        const b = buckets.get(o.run_id) ?? { tokens: burst, at: t, dropped: 0 };
        buckets.set(o.run_id, b);
        b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * rate);
        b.at = t;
        if (b.tokens < o.chunk.length) {
          b.dropped += o.chunk.length;
          return;
        }
        b.tokens -= o.chunk.length;
        notice(o.project_id, o.run_id, b);
        capture.write({ projectId: o.project_id, runId: o.run_id, source: o.source ?? 'exec', stream: o.stream, data: o.chunk });
      }),
      events.on('run.finished', (f) => {
        const b = buckets.get(f.run_id);
        buckets.delete(f.run_id);
        if (b) notice(f.project_id, f.run_id, b);
        publish(() => capture.endRun(f.project_id, f.run_id));
      }),
    );
  }
  return () => offs.forEach((off) => off());
}
