import { useEffect, useState } from 'preact/hooks';
import type { Analysis, Project } from '../../src/contracts/index.ts';
import { describeError } from '../api/http.ts';
import { useServices } from '../shell/context.ts';
import { ErrorNote } from '../shell/error-note.tsx';
import { when } from '../shell/format.ts';
import { useAsync } from '../shell/use-async.ts';

/** The errors the daemon detected in this project's output, with their suggestions; Analyze groups them with probable causes. */
export function ErrorsPanel({ project, tick }: { project: Project; tick: number }) {
  const { client } = useServices();
  const errors = useAsync(() => client.console.errors(project.id, { limit: 50 }), [project.id]);
  useEffect(() => errors.reload(), [tick]);
  const [analysis, setAnalysis] = useState<Analysis | null>(null);
  const [error, setError] = useState<string | null>(null);

  const analyze = async () => {
    setError(null);
    try {
      setAnalysis(await client.console.analyze(project.id, {}));
    } catch (e) {
      setError(describeError(e));
    }
  };

  return (
    <aside class="errors" aria-labelledby="errors-title">
      <div class="file-head">
        <h2 id="errors-title">Detected errors</h2>
        <button type="button" onClick={() => void analyze()}>
          Analyze
        </button>
      </div>
      <ErrorNote error={errors.error ?? error} />
      {errors.data?.length === 0 && <p class="muted">None so far.</p>}
      <ul class="error-list" role="list">
        {errors.data?.map((e) => (
          <li key={e.id} class={`error-item ${e.severity}`}>
            <p>
              <strong>{e.type}</strong>: {e.message}
            </p>
            {e.file && (
              <p class="muted small">
                {e.file}
                {e.line ? `:${e.line}` : ''}
              </p>
            )}
            {e.suggestion && <p class="suggestion">Suggestion: {e.suggestion}</p>}
            <p class="muted small">
              {e.occurrences}× · last {when(e.last_seen)}
            </p>
          </li>
        ))}
      </ul>
      {analysis && (
        <section aria-label="Analysis">
          <h3>Analysis</h3>
          <p class="muted small">
            {analysis.summary.distinct} distinct, {analysis.summary.occurrences} occurrences
          </p>
          {analysis.groups.map((g) => (
            <div key={g.fingerprint} class="group">
              <p>
                <strong>{g.type}</strong>: {g.message}
              </p>
              <p>Probable cause: {g.probable_cause}</p>
              <ul>
                {g.suggestions.map((s) => (
                  <li key={s}>{s}</li>
                ))}
              </ul>
            </div>
          ))}
        </section>
      )}
    </aside>
  );
}
