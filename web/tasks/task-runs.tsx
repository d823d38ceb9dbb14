import { useEffect, useState } from 'preact/hooks';
import type { ScheduledTask, TaskRun } from '../../src/contracts/index.ts';
import { describeError } from '../api/http.ts';
import { useServices } from '../shell/context.ts';
import { ColumnHeads } from '../shell/column-heads.tsx';
import { ErrorNote } from '../shell/error-note.tsx';
import { when } from '../shell/format.ts';
import { useAsync } from '../shell/use-async.ts';

/** One task's run history (newest first), refreshed by the caller's `tick`; a run opens with its output. */
export function TaskRuns({ task, tick }: { task: ScheduledTask; tick: number }) {
  const { client } = useServices();
  const runs = useAsync(() => client.scheduler.runs(task.id, { limit: 20 }), [task.id, tick]);
  const [open, setOpen] = useState<TaskRun | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setOpen(null), [task.id]);

  const show = async (id: string) => {
    setError(null);
    try {
      setOpen(await client.scheduler.run(id));
    } catch (e) {
      setError(describeError(e));
    }
  };

  return (
    <section class="task-runs" aria-labelledby="task-runs-title">
      <h3 id="task-runs-title">Runs of {task.name}</h3>
      <ErrorNote error={runs.error ?? error} />
      {runs.data && runs.data.items.length === 0 && <p class="muted">No runs yet. The next is due {when(task.next_run_at)}.</p>}
      {runs.data && runs.data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <ColumnHeads columns={['Due', 'Trigger', 'Status', 'Exit', 'Took', 'Output']} />
            <tbody>
              {runs.data.items.map((r) => (
                <tr key={r.id}>
                  <td>{when(r.scheduled_for)}</td>
                  <td>{r.trigger}</td>
                  <td class={`run-status ${r.status}`}>
                    {r.status}
                    {r.reason ? ` (${r.reason})` : ''}
                  </td>
                  <td>{r.exit_code ?? '—'}</td>
                  <td>{r.duration_ms === null ? '—' : `${(r.duration_ms / 1000).toFixed(1)} s`}</td>
                  <td>
                    <button type="button" class="ghost" onClick={() => void show(r.id)} aria-label={`Output of the run due ${when(r.scheduled_for)}`}>
                      Show
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {open && (
        <div class="run-detail" role="region" aria-label="Run output">
          <p class="muted small">
            {open.status} · {when(open.started_at)}
            {open.cost_usd !== null ? ` · $${open.cost_usd.toFixed(4)}` : ''}
          </p>
          <pre class="run-output">{open.stdout || '(no output)'}</pre>
          {open.stderr && <pre class="run-output stderr">{open.stderr}</pre>}
        </div>
      )}
    </section>
  );
}
