import { useEffect, useState } from 'preact/hooks';
import type { Project } from '../../src/contracts/index.ts';
import { describeError } from '../api/http.ts';
import { useServices } from '../shell/context.ts';
import { ColumnHeads } from '../shell/column-heads.tsx';
import { ErrorNote } from '../shell/error-note.tsx';
import { when } from '../shell/format.ts';
import { useAsync } from '../shell/use-async.ts';
import { LimitsForm } from './limits-form.tsx';

/** The project's container: its state (live, from container.status events), start/stop/restart, limits, recent runs. */
export function ContainerView({ project, onChanged }: { project: Project; onChanged(): void }) {
  const { client, events } = useServices();
  const status = useAsync(() => client.containers.status(project.id), [project.id]);
  const runs = useAsync(() => client.containers.runs(project.id), [project.id]);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => events.follow(project.id, ['container'], undefined, () => status.reload()), [project.id]);

  const act = async (what: 'start' | 'stop' | 'restart') => {
    setBusy(what);
    setError(null);
    try {
      await client.containers.action(project.id, what);
      status.reload();
      runs.reload();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(null);
    }
  };

  const s = status.data;
  return (
    <div class="container-layout">
      <section aria-labelledby="container-title">
        <h2 id="container-title">Container</h2>
        <ErrorNote error={status.error ?? error} />
        {s && (
          <dl class="facts">
            <dt>State</dt>
            <dd>
              <span class={`state ${s.state}`} role="status">
                {s.state}
              </span>
              {s.exit && ` — ${s.exit.reason}`}
            </dd>
            <dt>Image</dt>
            <dd>{s.image ?? '—'}</dd>
            <dt>Started</dt>
            <dd>{when(s.started_at)}</dd>
            <dt>Limits</dt>
            <dd>
              {s.limits.cpus} CPUs · {s.limits.memory_mb} MiB · {s.limits.pids} processes
            </dd>
            <dt>Network</dt>
            <dd>{s.network}</dd>
            <dt>Ports</dt>
            <dd>{s.ports.length ? s.ports.map((p) => `${p.container_port} → ${p.host_ip}:${p.host_port ?? '?'}`).join(', ') : 'none'}</dd>
            <dt>Active runs</dt>
            <dd>{s.active_runs}</dd>
            <dt>Stops when idle</dt>
            <dd>{s.idle_timeout_minutes === 0 ? 'never' : `after ${s.idle_timeout_minutes} min`}</dd>
          </dl>
        )}
        {s?.config_stale && <p class="note">Settings changed since the container was created: restart it to apply them.</p>}
        <div class="actions">
          {(['start', 'stop', 'restart'] as const).map((a) => (
            <button key={a} type="button" onClick={() => void act(a)} disabled={busy !== null}>
              {busy === a ? `${a[0]?.toUpperCase()}${a.slice(1)}ing…` : `${a[0]?.toUpperCase()}${a.slice(1)}`}
            </button>
          ))}
        </div>
        <LimitsForm
          project={project}
          onSaved={() => {
            onChanged();
            status.reload();
          }}
        />
      </section>
      <section aria-labelledby="runs-title">
        <h2 id="runs-title">Recent runs</h2>
        <ErrorNote error={runs.error} />
        <table>
          <ColumnHeads columns={['Command', 'Status', 'Exit', 'Started']} />
          <tbody>
            {runs.data?.items.map((r) => (
              <tr key={r.id}>
                <td>
                  <code>{r.command}</code>
                </td>
                <td>{r.status}</td>
                <td>{r.exit_code ?? '—'}</td>
                <td>{when(r.started_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
