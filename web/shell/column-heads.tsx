import type { ComponentChildren } from 'preact';

/** A data table's header row: each column a header cell that screen readers announce with the cells below it. */
export function ColumnHeads({ columns }: { columns: ComponentChildren[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c, i) => (
          <th scope="col" key={i}>
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}
