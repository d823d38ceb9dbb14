import { useEffect, useRef, useState } from 'preact/hooks';
import type { EditorView } from '@codemirror/view';
import type { FileContent, Project } from '../../src/contracts/index.ts';
import { describeError } from '../api/http.ts';
import { useServices } from '../shell/context.ts';
import { ErrorNote } from '../shell/error-note.tsx';
import { bytes } from '../shell/format.ts';
import { go } from '../shell/router.ts';
import { useDark } from '../shell/theme.ts';
import { createEditor, setEditorDark } from './code-editor.ts';
import { FileHistory } from './file-history.tsx';

/** How a file runs when asked to (an argv, never a shell line built from a path). */
function runCommand(path: string): string[] | null {
  if (path.endsWith('.py')) return ['python3', path];
  if (/\.(m|c)?js$/.test(path)) return ['node', path];
  if (path.endsWith('.sh')) return ['sh', path];
  return null;
}

export function FileEditor({ project, path }: { project: Project; path: string }) {
  const { client } = useServices();
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const [file, setFile] = useState<FileContent | null>(null);
  const [dirty, setDirty] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [history, setHistory] = useState(false);
  const [reloads, setReloads] = useState(0);
  const saveRef = useRef<() => void>(() => undefined);
  const dark = useDark();

  useEffect(() => {
    let live = true;
    client.files.read(project.id, path).then(
      (f) => live && setFile(f),
      (e: unknown) => live && setError(describeError(e)),
    );
    return () => {
      live = false;
    };
  }, [project.id, path, reloads]);

  useEffect(() => {
    if (!file || !host.current || file.is_binary || file.content === null) return;
    view.current?.destroy();
    view.current = createEditor({ parent: host.current, doc: file.content, path, dark, onChange: () => setDirty(true), onSave: () => saveRef.current() });
    setDirty(false);
    return () => {
      view.current?.destroy();
      view.current = null;
    };
  }, [file]);
  useEffect(() => {
    if (view.current) setEditorDark(view.current, dark);
  }, [dark]);

  const save = async (): Promise<boolean> => {
    if (!view.current) return false;
    setError(null);
    try {
      const meta = await client.files.write(project.id, path, view.current.state.doc.toString(), file?.version ?? undefined);
      setFile((f) => (f ? { ...f, ...meta, content: view.current?.state.doc.toString() ?? f.content } : f));
      setDirty(false);
      setStatus(`Saved (version ${meta.version ?? '—'}).`);
      return true;
    } catch (e) {
      setError(describeError(e));
      return false;
    }
  };
  saveRef.current = () => void save();

  const command = runCommand(path);
  const run = async () => {
    if (!command) return;
    if (dirty && !(await save())) return;
    setError(null);
    try {
      await client.containers.run(project.id, command);
      go({ view: 'project', id: project.id, tab: 'console' });
    } catch (e) {
      setError(describeError(e));
    }
  };

  return (
    <section class="file" aria-labelledby="file-title">
      <div class="file-head">
        <h2 id="file-title" class="path">
          {path}
          {dirty && <span aria-label="unsaved changes"> •</span>}
        </h2>
        <div class="actions">
          <button type="button" class="primary" onClick={() => void save()} disabled={!dirty}>
            Save
          </button>
          {command && (
            <button type="button" onClick={() => void run()} title={command.join(' ')}>
              Run
            </button>
          )}
          <button type="button" aria-expanded={history} onClick={() => setHistory((h) => !h)}>
            History
          </button>
          <button type="button" onClick={() => void client.files.download(project.id, path, path.split('/').pop() ?? 'file').catch((e: unknown) => setError(describeError(e)))}>
            Download
          </button>
        </div>
      </div>
      <ErrorNote error={error} />
      {status && (
        <p class="muted small" role="status">
          {status}
        </p>
      )}
      {file && (file.is_binary || file.content === null) && <p class="muted">A binary or large file ({bytes(file.size)}): download it to see it.</p>}
      <div class="editor" ref={host} />
      {history && file && <FileHistory project={project} path={path} current={view.current?.state.doc.toString() ?? file.content ?? ''} onRestored={() => setReloads((n) => n + 1)} />}
    </section>
  );
}
