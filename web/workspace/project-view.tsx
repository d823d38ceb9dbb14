import { ChangesView } from '../changes/changes-view.tsx';
import { ChatView } from '../chat/chat-view.tsx';
import { ConsoleView } from '../console/console-view.tsx';
import { ContainerView } from '../container/container-view.tsx';
import { useServices } from '../shell/context.ts';
import { ErrorNote } from '../shell/error-note.tsx';
import { usePageTitle } from '../shell/focus.ts';
import { href, PROJECT_TABS, type ProjectTab } from '../shell/router.ts';
import { useAsync } from '../shell/use-async.ts';
import { TasksView } from '../tasks/tasks-view.tsx';
import { Workspace } from './workspace.tsx';

const LABELS: Record<ProjectTab, string> = { files: 'Files', console: 'Console', chat: 'Chat', changes: 'Changes', tasks: 'Tasks', container: 'Container' };

/** One project: its tabs are views over the same API the CLI uses. */
export function ProjectView({ id, tab, path }: { id: string; tab: ProjectTab; path?: string }) {
  const { client } = useServices();
  const project = useAsync(() => client.projects.get(id), [id]);
  usePageTitle(tab === 'files' ? path : undefined, LABELS[tab], project.data?.name);
  if (project.error) return <ErrorNote error={project.error} />;
  const p = project.data;
  if (!p) return <p role="status">Loading…</p>;
  return (
    <section class="project" aria-labelledby="project-title">
      <div class="project-head">
        <h1 id="project-title">{p.name}</h1>
        <span class="badge">{p.template}</span>
        {p.status === 'archived' && <span class="badge warn">archived</span>}
      </div>
      <nav class="tabs" aria-label="Project">
        {PROJECT_TABS.map((t) => (
          <a key={t} href={href({ view: 'project', id: p.id, tab: t })} aria-current={t === tab ? 'page' : undefined}>
            {LABELS[t]}
          </a>
        ))}
      </nav>
      <div class="tab-body">
        {tab === 'files' && <Workspace project={p} path={path} />}
        {tab === 'console' && <ConsoleView project={p} />}
        {tab === 'chat' && <ChatView project={p} />}
        {tab === 'changes' && <ChangesView project={p} />}
        {tab === 'tasks' && <TasksView project={p} />}
        {tab === 'container' && <ContainerView project={p} onChanged={project.reload} />}
      </div>
    </section>
  );
}
