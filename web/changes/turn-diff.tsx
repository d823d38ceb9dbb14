import type { CheckpointDiff } from '../../src/contracts/index.ts';

/** A turn's unified diff, one file after another; added and removed lines marked by colour and by their +/- sign. */
export function TurnDiff({ diff }: { diff: CheckpointDiff }) {
  return (
    <div class="turn-diff" role="region" aria-label={`Changes of the turn: ${diff.checkpoint.request.slice(0, 60)}`}>
      {diff.files.map((f) => (
        <section key={f.path} class="file-diff" aria-label={f.path}>
          <h4 class="path">
            {f.path} <span class="muted small">({f.action}, +{f.additions} −{f.deletions})</span>
          </h4>
          {f.note && <p class="muted small">{f.note}</p>}
          {f.diff === null ? (
            <p class="muted small">{f.binary ? 'Binary content: no diff.' : 'Its earlier content was not stored.'}</p>
          ) : (
            <pre class="diff-lines">
              {f.diff.split('\n').map((line, i) => (
                <span key={i} class={line.startsWith('+') && !line.startsWith('+++') ? 'add' : line.startsWith('-') && !line.startsWith('---') ? 'del' : line.startsWith('@@') ? 'hunk' : undefined}>
                  {line}
                  {'\n'}
                </span>
              ))}
            </pre>
          )}
        </section>
      ))}
    </div>
  );
}
