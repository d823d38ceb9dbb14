import { useEffect, useRef, useState } from 'preact/hooks';
import type { ConsoleEntry, DetectedErrorInfo, EventPayload, Project } from '../../src/contracts/index.ts';
import { describeError } from '../api/http.ts';
import { useServices } from '../shell/context.ts';
import { ErrorNote } from '../shell/error-note.tsx';
import { ErrorsPanel } from './errors-panel.tsx';
import { RunForm } from './run-form.tsx';

/** A console line as the page shows it: history entries and live events look alike. */
export interface Line {
  key: string;
  seq: number;
  text: string;
  stream: 'stdout' | 'stderr';
  source: string;
  level: 'info' | 'warning' | 'error';
  detected?: EventPayload<'console.error_detected'>;
}

const MAX_LINES = 2000;
const fromEntry = (e: ConsoleEntry): Line => ({ key: `l${e.seq}`, seq: e.seq, text: e.text, stream: e.stream, source: e.source, level: e.level });

/** A detection the history already put in place (fetched after the history, it may be replayed as an event too). */
const shownAlready = (ls: Line[], d: EventPayload<'console.error_detected'>): boolean =>
  ls.some((l) => l.key.startsWith('e') && l.detected?.error_id === d.error_id && l.detected.occurrences >= d.occurrences);

/** History lines with the errors detected in them put back in place: after the last line seen before each detection. */
function withDetections(entries: ConsoleEntry[], errors: DetectedErrorInfo[]): Line[] {
  const lines = entries.map(fromEntry);
  const times = entries.map((e) => e.time);
  for (const err of [...errors].sort((a, b) => a.last_seen - b.last_seen)) {
    let at = times.length;
    while (at > 0 && (times[at - 1] ?? 0) > err.last_seen) at--;
    if (at === 0) continue; // detected before the oldest line shown
    const line: Line = {
      key: `e${err.id}`,
      seq: entries[at - 1]?.seq ?? 0,
      text: `${err.type}: ${err.message}`,
      stream: 'stderr',
      source: 'detector',
      level: 'error',
      detected: { error_id: err.id, type: err.type, language: err.language, severity: err.severity, message: err.message, file: err.file, line: err.line, occurrences: err.occurrences, run_id: err.run_id, suggestion: err.suggestion },
    };
    lines.splice(at + lines.length - times.length, 0, line);
  }
  return lines;
}

/**
 * The live console: the last lines from history, then every console event
 * from the project's WebSocket subscription, resumed from the history's last
 * seq (nothing missed, nothing twice). Detected errors are shown in place,
 * highlighted, and listed with their suggestions beside.
 */
export function ConsoleView({ project }: { project: Project }) {
  const { client, events } = useServices();
  const [lines, setLines] = useState<Line[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [errorsTick, setErrorsTick] = useState(0);
  const [follow, setFollow] = useState(true);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let off: (() => void) | null = null;
    let live = true;
    const load = async () => {
      const h = await client.console.history(project.id, { limit: 500 });
      const since = h.items[0]?.time;
      return { h, errors: since === undefined ? [] : await client.console.errors(project.id, { since, limit: 100 }) };
    };
    load().then(
      ({ h, errors }) => {
        if (!live) return;
        setLines(withDetections(h.items, errors));
        off = events.follow(project.id, ['console'], h.last_seq, (e) => {
          if (e.type === 'console.output') {
            const d = e.data as EventPayload<'console.output'>;
            const line: Line = { key: `l${e.seq}`, seq: e.seq, text: d.text, stream: d.stream, source: d.source, level: d.stream === 'stderr' ? 'warning' : 'info' };
            setLines((ls) => [...ls, line].slice(-MAX_LINES));
          } else if (e.type === 'console.error_detected') {
            const d = e.data as EventPayload<'console.error_detected'>;
            setLines((ls) => (shownAlready(ls, d) ? ls : [...ls, { key: `l${e.seq}`, seq: e.seq, text: `${d.type}: ${d.message}`, stream: 'stderr' as const, source: 'detector', level: 'error' as const, detected: d }].slice(-MAX_LINES)));
            setErrorsTick((t) => t + 1);
          }
        });
      },
      (e: unknown) => setError(describeError(e)),
    );
    return () => {
      live = false;
      off?.();
    };
  }, [project.id]);

  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines, follow]);

  const clear = async () => {
    try {
      await client.console.clear(project.id);
      setLines([]);
      setErrorsTick((t) => t + 1);
    } catch (e) {
      setError(describeError(e));
    }
  };

  return (
    <div class="console-layout">
      <section class="console" aria-labelledby="console-title">
        <div class="file-head">
          <h2 id="console-title">Console</h2>
          <div class="actions">
            <label class="check">
              <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.currentTarget.checked)} /> Follow
            </label>
            <button type="button" onClick={() => void clear()}>
              Clear
            </button>
          </div>
        </div>
        <RunForm project={project} onError={setError} />
        <ErrorNote error={error} />
        <div class="lines" ref={box} role="log" aria-live="polite" aria-label="Console output" tabIndex={0}>
          {lines.length === 0 && <p class="muted">No output yet. Run a command above, or a file from its editor.</p>}
          {lines.map((l) => (
            <div key={l.key} class={`line ${l.stream} ${l.level}${l.detected ? ' detected' : ''}`}>
              {l.detected ? <strong>⚠ {l.text}</strong> : l.text}
              {l.detected?.suggestion && <span class="hint"> — {l.detected.suggestion}</span>}
            </div>
          ))}
        </div>
      </section>
      <ErrorsPanel project={project} tick={errorsTick} />
    </div>
  );
}
