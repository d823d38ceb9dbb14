import { ColumnHeads } from '../shell/column-heads.tsx';
import { usd } from '../shell/format.ts';

export interface Row {
  label: string;
  value: number;
  calls: number;
}

/** Cost bars drawn in SVG (no chart library, nothing inline to allow in the CSP), with the same numbers as a table for screen readers. */
export function BarChart({ title, rows }: { title: string; rows: Row[] }) {
  const max = Math.max(...rows.map((r) => r.value), 0.000001);
  const barH = 22;
  const id = `chart-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <figure class="chart" aria-labelledby={id}>
      <figcaption id={id}>{title}</figcaption>
      {rows.length === 0 ? (
        <p class="muted">No calls in this period.</p>
      ) : (
        <svg viewBox={`0 0 400 ${rows.length * barH}`} role="img" aria-label={`${title}: cost per group`} preserveAspectRatio="none" class="bars" height={rows.length * barH}>
          {rows.map((r, i) => (
            <g key={r.label} transform={`translate(0 ${i * barH})`}>
              <rect x={140} y={3} width={Math.max(1, (r.value / max) * 200)} height={barH - 6} class="bar" />
              <text x={0} y={barH / 2 + 4} class="label">
                {r.label.slice(0, 20)}
              </text>
              <text x={345} y={barH / 2 + 4} class="value">
                {usd(r.value)}
              </text>
            </g>
          ))}
        </svg>
      )}
      <table class="sr-only">
        <ColumnHeads columns={['Group', 'Cost', 'Calls']} />
        <tbody>
          {rows.map((r) => (
            <tr key={r.label}>
              <td>{r.label}</td>
              <td>{usd(r.value)}</td>
              <td>{r.calls}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
