import { useState } from 'preact/hooks';
import type { Project } from '../../src/contracts/index.ts';
import { describeError } from '../api/http.ts';
import { useServices } from '../shell/context.ts';
import { ErrorNote } from '../shell/error-note.tsx';
import { usePageTitle } from '../shell/focus.ts';
import { when } from '../shell/format.ts';
import { href } from '../shell/router.ts';
import { useAsync } from '../shell/use-async.ts';
import { CreateProject } from './create-project.tsx';

export function ProjectList() {
  const { client } = useServices();
  const [status, setStatus] = useState<'active' | 'archived'>('active');
  const list = useAsync(() => client.projects.list({ status, limit: 200 }), [status]);
  const [error, setError] = useState<string | null>(null);
  usePageTitle('Projects');

  const act = async (what: () => Promise<unknown>) => {
    setError(null);
    try {
      await what();
      list.reload();
    } catch (e) {
      setError(describeError(e));
    }
  };
  const remove = (p: Project) => {
    if (confirm(`Delete project ${p.name}, its workspace and its history? This cannot be undone.`)) void act(() => client.projects.delete(p.id));
  };

  return (
    <section class="page" aria-labelledby="projects-title">
      <h1 id="projects-title">Projects</h1>
      <CreateProject onCreated={list.reload} />
      <div class="toolbar" role="group" aria-label="Show">
        <button type="button" aria-pressed={status === 'active'} onClick={() => setStatus('active')}>
          Active
        </button>
        <button type="button" aria-pressed={status === 'archived'} onClick={() => setStatus('archived')}>
          Archived
        </button>
      </div>
      <ErrorNote error={list.error ?? error} />
      {list.data && list.data.items.length === 0 && <p class="muted">No {status} projects.</p>}
      <ul class="cards">
        {list.data?.items.map((p) => (
          <li key={p.id} class="card">
            <a class="card-title" href={href({ view: 'project', id: p.id, tab: 'files' })}>
              {p.name}
            </a>
            <span class="badge">{p.template}</span>
            {p.description && <p class="muted">{p.description}</p>}
            <p class="muted small">Updated {when(p.updated_at)}</p>
            <div class="actions">
              {p.status === 'active' ? (
                <button type="button" onClick={() => void act(() => client.projects.archive(p.id))} aria-label={`Archive ${p.name}`}>
                  Archive
                </button>
              ) : (
                <button type="button" onClick={() => void act(() => client.projects.unarchive(p.id))} aria-label={`Unarchive ${p.name}`}>
                  Unarchive
                </button>
              )}
              <button type="button" class="danger" onClick={() => remove(p)} aria-label={`Delete ${p.name}`}>
                Delete
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
