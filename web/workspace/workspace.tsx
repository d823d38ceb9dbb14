import { useEffect } from 'preact/hooks';
import type { Project } from '../../src/contracts/index.ts';
import { useServices } from '../shell/context.ts';
import { ErrorNote } from '../shell/error-note.tsx';
import { go } from '../shell/router.ts';
import { useAsync } from '../shell/use-async.ts';
import { FileEditor } from './file-editor.tsx';
import { FileTree } from './file-tree.tsx';

/** The file tree beside the open file; the tree follows file.changed events (agents, runs, uploads). */
export function Workspace({ project, path }: { project: Project; path?: string }) {
  const { client, events } = useServices();
  const tree = useAsync(() => client.files.tree(project.id), [project.id]);
  useEffect(() => events.follow(project.id, ['files'], undefined, () => tree.reload()), [project.id]);
  const open = (p: string) => go({ view: 'project', id: project.id, tab: 'files', path: p });
  return (
    <div class="workspace">
      <FileTree project={project} tree={tree.data} selected={path} onOpen={open} onChanged={tree.reload} />
      <div class="editor-pane">
        <ErrorNote error={tree.error} />
        {path ? <FileEditor key={path} project={project} path={path} /> : <p class="muted">Open a file from the tree, or create one.</p>}
      </div>
    </div>
  );
}
