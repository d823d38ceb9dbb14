/**
 * Starting a container can take a while: its image may have to be pulled
 * first. On a terminal the wait shows a spinner, and while the daemon pulls
 * the image (build.status events of the project, over the WebSocket) a bar
 * with the percentage and an ETA; off a terminal, nothing (activity.ts).
 */
import type { ZeblitClient } from '../src/client/index.ts';
import { followEvents } from '../src/client/index.ts';
import { liveOn, withSpinner } from './activity.ts';
import type { ZeblitCommand } from './base-command.ts';
import { Progress } from './progress.ts';

export async function withContainerProgress<T>(cmd: ZeblitCommand, ref: string, label: string, action: (client: ZeblitClient) => Promise<T>): Promise<T> {
  const client = await cmd.client();
  const stderr = cmd.context.stderr;
  if (!liveOn(stderr, cmd.env)) return action(client);
  return withSpinner(stderr, cmd.env, label, async (spinner) => {
    const ac = new AbortController();
    const bars = new Map<string, Progress>();
    const events = client.projects
      .get(ref)
      .then((p) =>
        followEvents(() => client.connectWebSocket('/ws'), {
          projectId: p.id,
          topics: ['build', 'container'],
          signal: ac.signal,
          maxBackoffMs: 500,
          onEvent: (e) => {
            if (e.type === 'build.status') {
              const d = e.data as { image: string; status: string; progress: number | null };
              if (d.status === 'pulling' && d.progress !== null) {
                const bar = bars.get(d.image) ?? new Progress(stderr, `Pulling ${d.image}`, { live: true, unit: 'percent' });
                bars.set(d.image, bar);
                bar.update(d.progress, 100);
                spinner.line(bar.line());
              } else {
                spinner.resume();
                spinner.set(d.status === 'failed' ? `${label} (pulling ${d.image} failed)` : label);
              }
            } else if (e.type === 'container.status') {
              spinner.set(`${label} (${(e.data as { state: string }).state})`);
            }
          },
        }),
      )
      .catch(() => undefined);
    try {
      return await action(client);
    } finally {
      ac.abort();
      await events;
    }
  });
}
