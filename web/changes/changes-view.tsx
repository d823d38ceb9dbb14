import { useEffect, useState } from 'preact/hooks';
import type { Checkpoint, CheckpointDiff, Project, UndoConflict } from '../../src/contracts/index.ts';
import { ZeblitApiError } from '../../src/client/errors.ts';
import { describeError } from '../api/http.ts';
import { useServices } from '../shell/context.ts';
import { ErrorNote } from '../shell/error-note.tsx';
import { when } from '../shell/format.ts';
import { useAsync } from '../shell/use-async.ts';
import { TurnDiff } from './turn-diff.tsx';

const SIGN: Record<string, string> = { created: '+', deleted: '−', modified: '~', restored: '~', moved: '→' };

/**
 * Checkpoints (/projects/{id}/checkpoints): what each agent turn changed, its
 * diff, and undo. Undo is refused (409, the files in error.details.files)
 * where someone changed a file since the turn: the page lists them and asks
 * before undoing anyway. Live: agent and file events reload the list.
 */
export function ChangesView({ project }: { project: Project }) {
  const { client, events } = useServices();
  const [tick, setTick] = useState(0);
  const list = useAsync(() => client.checkpoints.list(project.id, { with_changes: '1', limit: 50 }), [project.id, tick]);
  const [diff, setDiff] = useState<CheckpointDiff | null>(null);
  const [conflicts, setConflicts] = useState<{ turn: string; files: UndoConflict[] } | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // A turn's end completes its checkpoint; a file changed may be an undo elsewhere. Bursts (a turn writing many
  // files) reload the list once.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = events.follow(project.id, ['agent', 'files'], undefined, (e) => {
      if ((e.type === 'agent.status' || e.type === 'file.changed') && timer === undefined)
        timer = setTimeout(() => {
          timer = undefined;
          setTick((t) => t + 1);
        }, 300);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [project.id]);

  const show = async (c: Checkpoint) => {
    setError(null);
    try {
      setDiff(diff?.checkpoint.id === c.id ? null : await client.checkpoints.diff(project.id, c.id));
    } catch (e) {
      setError(describeError(e));
    }
  };

  const undo = async (c: Checkpoint, force = false) => {
    setError(null);
    setNote(null);
    if (!force && !confirm(`Undo what ${c.agent} changed in ${c.files.length} file(s)? The undo is recorded as new versions.`)) return;
    try {
      const r = await client.checkpoints.undo(project.id, c.id, { force });
      setConflicts(null);
      setDiff(null);
      setNote(`Undone: ${r.files.map((f) => `${f.path} ${f.result}`).join(', ')}.`);
      setTick((t) => t + 1);
    } catch (e) {
      const files = e instanceof ZeblitApiError && e.status === 409 ? (e.details as { files?: UndoConflict[] } | undefined)?.files : undefined;
      if (files) setConflicts({ turn: c.id, files });
      else setError(describeError(e));
    }
  };

  const items = list.data?.items ?? [];
  return (
    <section class="changes" aria-labelledby="changes-title">
      <h2 id="changes-title">Changes by agents</h2>
      <ErrorNote error={list.error ?? error} />
      {note && (
        <p class="muted small" role="status">
          {note}
        </p>
      )}
      {list.data && items.length === 0 && <p class="muted">No agent turn has changed a file in this project yet.</p>}
      <ul class="cards" role="list">
        {items.map((c) => (
          <li key={c.id} class="card checkpoint">
            <div class="task-head">
              <strong>{c.agent}</strong>
              <span class="muted small">{when(c.started_at)}</span>
              {c.kind === 'autofix' && <span class="badge">auto-fix</span>}
              {c.undone_at && <span class="badge warn">undone {when(c.undone_at)}</span>}
              {c.commit && <span class="badge">commit {c.commit.slice(0, 8)}</span>}
            </div>
            <p class="small">{c.request}</p>
            <ul class="changed-files" aria-label="Files">
              {c.files.map((f) => (
                <li key={f.path}>
                  <code>
                    {SIGN[f.action] ?? '~'} {f.path}
                  </code>
                </li>
              ))}
            </ul>
            <div class="actions">
              <button type="button" aria-expanded={diff?.checkpoint.id === c.id} onClick={() => void show(c)} aria-label={`Diff of the turn: ${c.request.slice(0, 60)}`}>
                Diff
              </button>
              {!c.undone_at && (
                <button type="button" class="danger" onClick={() => void undo(c)} aria-label={`Undo the turn: ${c.request.slice(0, 60)}`}>
                  Undo
                </button>
              )}
            </div>
            {conflicts?.turn === c.id && (
              <div class="note" role="alert">
                <p>Changed since the turn, so not undone:</p>
                <ul>
                  {conflicts.files.map((f) => (
                    <li key={f.path}>
                      <code>{f.path}</code>: {f.reason}
                      {f.author ? ` (by ${f.author})` : ''}
                    </li>
                  ))}
                </ul>
                <button type="button" class="danger" onClick={() => void undo(c, true)}>
                  Undo anyway
                </button>
              </div>
            )}
            {diff?.checkpoint.id === c.id && <TurnDiff diff={diff} />}
          </li>
        ))}
      </ul>
    </section>
  );
}
