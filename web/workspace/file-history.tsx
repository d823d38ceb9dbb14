import { useEffect, useRef, useState } from 'preact/hooks';
import type { EditorView } from '@codemirror/view';
import type { Project } from '../../src/contracts/index.ts';
import { describeError } from '../api/http.ts';
import { useServices } from '../shell/context.ts';
import { ColumnHeads } from '../shell/column-heads.tsx';
import { ErrorNote } from '../shell/error-note.tsx';
import { when } from '../shell/format.ts';
import { useDark } from '../shell/theme.ts';
import { useAsync } from '../shell/use-async.ts';
import { createDiff, setEditorDark } from './code-editor.ts';

/** A file's versions (who made each: a person, an agent, a run), the diff of one against now, and restoring it. */
export function FileHistory({ project, path, current, onRestored }: { project: Project; path: string; current: string; onRestored(): void }) {
  const { client, session } = useServices();
  // Authors are `user:<id>`, `agent:<name>`, `container`…: the signed-in user reads as "you".
  const by = (author: string) => (author === `user:${session.user.id}` ? `you (${session.user.name})` : author);
  const versions = useAsync(() => client.files.versions(project.id, path), [project.id, path]);
  const [shown, setShown] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const host = useRef<HTMLDivElement>(null);
  const diff = useRef<EditorView | null>(null);
  const dark = useDark();

  useEffect(() => {
    diff.current?.destroy();
    diff.current = null;
    if (shown === null) return;
    let live = true;
    client.files.version(project.id, path, shown).then(
      (v) => {
        if (!live || !host.current) return;
        diff.current = createDiff(host.current, v.content ?? '', current, path, dark);
      },
      (e: unknown) => setError(describeError(e)),
    );
    return () => {
      live = false;
      diff.current?.destroy();
    };
  }, [shown]);
  useEffect(() => {
    if (diff.current) setEditorDark(diff.current, dark);
  }, [dark]);

  const restore = async (n: number) => {
    setError(null);
    try {
      await client.files.restore(project.id, path, n);
      setShown(null);
      versions.reload();
      onRestored();
    } catch (e) {
      setError(describeError(e));
    }
  };

  return (
    <section class="history" aria-label={`Versions of ${path}`}>
      <h3>Versions</h3>
      <ErrorNote error={versions.error ?? error} />
      <table>
        <ColumnHeads columns={['Version', 'Change', 'By', 'When', <span class="sr-only">Actions</span>]} />
        <tbody>
          {versions.data?.items.map((v) => (
            <tr key={v.version} aria-selected={shown === v.version}>
              <td>
                v{v.version}
                {v.current ? ' (current)' : ''}
              </td>
              <td>{v.action}{v.origin ? ` — ${v.origin}` : ''}</td>
              <td>{by(v.author)}</td>
              <td>{when(v.created_at)}</td>
              <td class="actions">
                {!v.current && v.action !== 'deleted' && (
                  <>
                    <button type="button" onClick={() => setShown(shown === v.version ? null : v.version)} aria-pressed={shown === v.version}>
                      Diff v{v.version}
                    </button>
                    <button type="button" onClick={() => void restore(v.version)}>
                      Restore v{v.version}
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown !== null && <p class="muted small">Changes from v{shown} to the text in the editor: removed lines are struck through, added ones marked.</p>}
      <div class="diff" ref={host} />
    </section>
  );
}
