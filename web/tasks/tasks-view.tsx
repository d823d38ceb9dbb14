import { useEffect, useState } from 'preact/hooks';
import type { Project, ScheduledTask } from '../../src/contracts/index.ts';
import { describeError } from '../api/http.ts';
import { useServices } from '../shell/context.ts';
import { ErrorNote } from '../shell/error-note.tsx';
import { when } from '../shell/format.ts';
import { useAsync } from '../shell/use-async.ts';
import { TaskForm } from './task-form.tsx';
import { TaskRuns } from './task-runs.tsx';

/**
 * The project's scheduled tasks (/scheduled-tasks): each with its schedule in
 * words, next and last run; enable/disable, run now, delete; a task's run
 * history. Live: task events (tasks topic) reload the list and the history.
 */
export function TasksView({ project }: { project: Project }) {
  const { client, events } = useServices();
  const [tick, setTick] = useState(0);
  const tasks = useAsync(() => client.scheduler.list({ project: project.id, limit: 200 }), [project.id, tick]);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => events.follow(project.id, ['tasks'], undefined, () => setTick((t) => t + 1)), [project.id]);

  const act = async (what: () => Promise<unknown>) => {
    setError(null);
    try {
      await what();
      setTick((t) => t + 1);
    } catch (e) {
      setError(describeError(e));
    }
  };
  const remove = (t: ScheduledTask) => {
    if (!confirm(`Delete the scheduled task ${t.name} and its run history?`)) return;
    if (selected === t.id) setSelected(null);
    void act(() => client.scheduler.delete(t.id));
  };
  const items = tasks.data?.items ?? [];
  const shown = items.find((t) => t.id === selected) ?? null;

  return (
    <div class="tasks-layout">
      <section aria-labelledby="tasks-title">
        <h2 id="tasks-title">Scheduled tasks</h2>
        <ErrorNote error={tasks.error ?? error} />
        {tasks.data && items.length === 0 && <p class="muted">No scheduled tasks in this project yet.</p>}
        <ul class="cards" role="list">
          {items.map((t) => (
            <li key={t.id} class="card task" aria-current={t.id === selected ? 'true' : undefined}>
              <div class="task-head">
                <strong>{t.name}</strong>
                <span class={`badge${t.enabled ? '' : ' warn'}`}>{t.enabled ? 'enabled' : 'disabled'}</span>
                {t.active_runs > 0 && <span class="badge">running</span>}
              </div>
              <p class="small">
                <code>{t.kind === 'command' ? (Array.isArray(t.command) ? t.command.join(' ') : t.command) : `${t.agent}: ${t.prompt ?? ''}`}</code>
              </p>
              <p class="muted small">
                {t.schedule_description} (<code>{t.schedule}</code>, {t.timezone}) · next {when(t.next_run_at)} · last {t.last_status ?? '—'} · {t.run_count} runs
                {t.disabled_reason ? ` · ${t.disabled_reason}` : ''}
              </p>
              <div class="actions">
                <button type="button" onClick={() => setSelected(t.id)} aria-label={`Runs of ${t.name}`} aria-pressed={t.id === selected}>
                  Runs
                </button>
                <button type="button" onClick={() => void act(() => client.scheduler.execute(t.id))} aria-label={`Run ${t.name} now`}>
                  Run now
                </button>
                <button type="button" onClick={() => void act(() => (t.enabled ? client.scheduler.disable(t.id) : client.scheduler.enable(t.id)))} aria-label={`${t.enabled ? 'Disable' : 'Enable'} ${t.name}`}>
                  {t.enabled ? 'Disable' : 'Enable'}
                </button>
                <button type="button" class="danger" onClick={() => remove(t)} aria-label={`Delete ${t.name}`}>
                  Delete
                </button>
              </div>
            </li>
          ))}
        </ul>
        <TaskForm project={project} onCreated={() => setTick((t) => t + 1)} />
      </section>
      {shown && <TaskRuns task={shown} tick={tick} />}
    </div>
  );
}
