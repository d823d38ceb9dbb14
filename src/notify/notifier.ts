/**
 * Notifications: something a person may want to hear of (a task's result, an
 * agent waiting for approval, a long agent turn that ended), handed to every
 * sink. The hub sink always publishes it on the bus as `notification.created`
 * (the WebSocket hub, and through it the Telegram bot, subscribe there); the
 * webhook sink posts task results to the task's URL. A sink that fails never
 * stops the others, nor the caller.
 */
import type { EventPayload } from '../contracts/index.ts';
import type { EventBus } from '../events/index.ts';

export type NotificationKind = EventPayload<'notification.created'>['kind'];
export type NotificationLevel = EventPayload<'notification.created'>['level'];

export interface Notification {
  project_id: string;
  kind: NotificationKind;
  level: NotificationLevel;
  title: string;
  message: string;
  task_id?: string | null;
  run_id?: string | null;
  conversation_id?: string | null;
  approval_id?: string | null;
  /** Task results: where the task's webhook goes, and what it is sent (the run record). */
  webhook?: { url: string; payload: unknown } | null;
}

/** What a sink did with one notification, for the record (e.g. "delivered (HTTP 200), attempt 1"); null when it did not apply. */
export type SinkOutcome = string | null;

export interface NotificationSink {
  readonly name: string;
  send(n: Notification): Promise<SinkOutcome> | SinkOutcome;
}

export interface NotifierOptions {
  onError?: (err: unknown, sink: string) => void;
}

export class Notifier {
  private readonly sinks = new Set<NotificationSink>();

  constructor(private readonly opts: NotifierOptions = {}) {}

  /** Adds a sink (the Telegram issue adds its own); returns the removal. */
  add(sink: NotificationSink): () => void {
    this.sinks.add(sink);
    return () => void this.sinks.delete(sink);
  }

  /** Hands `n` to every sink at once; resolves with each sink's outcome once all are done. */
  async notify(n: Notification): Promise<Record<string, SinkOutcome>> {
    const entries = await Promise.all(
      [...this.sinks].map(async (sink): Promise<[string, SinkOutcome]> => {
        try {
          return [sink.name, await sink.send(n)];
        } catch (err) {
          this.opts.onError?.(err, sink.name);
          return [sink.name, `failed: ${err instanceof Error ? err.message : String(err)}`];
        }
      }),
    );
    return Object.fromEntries(entries);
  }
}

/** Every notification as a `notification.created` event of its project. */
export function hubSink(bus: EventBus): NotificationSink {
  return {
    name: 'hub',
    send(n) {
      bus.publish(n.project_id, 'notification.created', {
        kind: n.kind,
        level: n.level,
        title: n.title,
        message: n.message,
        task_id: n.task_id ?? null,
        run_id: n.run_id ?? null,
        conversation_id: n.conversation_id ?? null,
        approval_id: n.approval_id ?? null,
      });
      return null;
    },
  };
}
