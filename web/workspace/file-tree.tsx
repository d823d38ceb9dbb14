import { useState } from 'preact/hooks';
import type { FileTree as Tree, Project, TreeNode } from '../../src/contracts/index.ts';
import { describeError } from '../api/http.ts';
import { useServices } from '../shell/context.ts';
import { ErrorNote } from '../shell/error-note.tsx';
import { UploadZone } from './upload-zone.tsx';

interface Props {
  project: Project;
  tree: Tree | undefined;
  selected: string | undefined;
  onOpen(path: string): void;
  onChanged(): void;
}

/** Folders are <details> (keyboard and screen readers know them); files open in the editor. */
export function FileTree({ project, tree, selected, onOpen, onChanged }: Props) {
  const { client } = useServices();
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);

  const create = async (e: Event) => {
    e.preventDefault();
    const path = name.trim();
    if (!path) return;
    setError(null);
    try {
      await client.files.create(project.id, path, '');
      setName('');
      onChanged();
      onOpen(path);
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <aside class="tree" aria-labelledby="tree-title">
      <h2 id="tree-title" class="tree-title">
        Files
      </h2>
      <form class="new-file" onSubmit={(e) => void create(e)}>
        <label>
          New file
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="src/app.py" autoComplete="off" />
        </label>
        <button type="submit">Create</button>
      </form>
      <ErrorNote error={error} />
      <UploadZone project={project} onUploaded={onChanged}>
        {tree ? (
          <ul class="tree-root" role="list">
            {(tree.root.children ?? []).map((n) => (
              <Node key={n.path} node={n} selected={selected} onOpen={onOpen} />
            ))}
            {(tree.root.children ?? []).length === 0 && <li class="muted">The workspace is empty.</li>}
          </ul>
        ) : (
          <p role="status">Loading files…</p>
        )}
      </UploadZone>
      <button type="button" class="ghost" onClick={() => void client.files.download(project.id, '', `${project.name}.tar.gz`).catch((e: unknown) => setError(describeError(e)))}>
        Download all (.tar.gz)
      </button>
    </aside>
  );
}

function Node({ node, selected, onOpen }: { node: TreeNode; selected: string | undefined; onOpen(path: string): void }) {
  if (node.type === 'dir')
    return (
      <li>
        <details open={!node.ignored && (selected?.startsWith(`${node.path}/`) ?? false)}>
          <summary class={node.ignored ? 'muted' : undefined}>{node.name}/</summary>
          <ul role="list">
            {(node.children ?? []).map((c) => (
              <Node key={c.path} node={c} selected={selected} onOpen={onOpen} />
            ))}
          </ul>
        </details>
      </li>
    );
  return (
    <li>
      <button type="button" class="file" aria-current={node.path === selected ? 'true' : undefined} onClick={() => onOpen(node.path)}>
        {node.name}
      </button>
    </li>
  );
}
