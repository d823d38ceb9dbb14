/**
 * Line diffs: Myers' O(ND) algorithm (greedy forward, with the trace kept to
 * walk back) and a unified-diff printer. No dependency: the one in
 * node_modules (none of diff/jsdiff is installed) would have to be added.
 * Past `maxEdits` differences it stops and reports the texts as one change.
 */

export type Op = { kind: 'eq' | 'del' | 'ins'; line: string };

export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else lines[lines.length - 1] += '\n\\ No newline at end of file';
  return lines;
}

/** The edit script from `a` to `b`. */
export function diffLines(a: string[], b: string[], maxEdits = 20_000): Op[] {
  // Trim the common head and tail: most edits are small and local.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const A = a.slice(head, a.length - tail);
  const B = b.slice(head, b.length - tail);
  const middle = myers(A, B, maxEdits) ?? [...A.map((line) => ({ kind: 'del' as const, line })), ...B.map((line) => ({ kind: 'ins' as const, line }))];
  return [
    ...a.slice(0, head).map((line) => ({ kind: 'eq' as const, line })),
    ...middle,
    ...a.slice(a.length - tail).map((line) => ({ kind: 'eq' as const, line })),
  ];
}

function myers(a: string[], b: string[], maxEdits: number): Op[] | null {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, maxEdits);
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(off - d - 1, off + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && (v[off + k - 1] as number) < (v[off + k + 1] as number)) ? (v[off + k + 1] as number) : (v[off + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace, d);
    }
  }
  return null;
}

function backtrack(a: string[], b: string[], trace: Int32Array[], dEnd: number): Op[] {
  const ops: Op[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = dEnd; d > 0; d--) {
    const v = trace[d] as Int32Array; // v[j] holds the old V at k = j - d - 1
    const at = (k: number) => v[k + d + 1] as number;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: 'eq', line: a[--x] as string });
      y--;
    }
    if (x === prevX) ops.push({ kind: 'ins', line: b[--y] as string });
    else ops.push({ kind: 'del', line: a[--x] as string });
  }
  while (x > 0 && y > 0) {
    ops.push({ kind: 'eq', line: a[--x] as string });
    y--;
  }
  return ops.reverse();
}

export interface UnifiedDiff {
  text: string;
  additions: number;
  deletions: number;
}

/** A unified diff with `context` lines around each change; '' when the texts are equal. */
export function unifiedDiff(oldText: string, newText: string, labels: { from: string; to: string }, context = 3): UnifiedDiff {
  const ops = diffLines(splitLines(oldText), splitLines(newText));
  let additions = 0;
  let deletions = 0;
  for (const op of ops) {
    if (op.kind === 'ins') additions++;
    else if (op.kind === 'del') deletions++;
  }
  if (additions + deletions === 0) return { text: '', additions, deletions };
  const out = [`--- ${labels.from}`, `+++ ${labels.to}`];
  const changed = ops.map((o, i) => (o.kind === 'eq' ? -1 : i)).filter((i) => i >= 0);
  let i = 0;
  while (i < changed.length) {
    // Group changes whose gaps are small enough to share context.
    const start = Math.max(0, (changed[i] as number) - context);
    let j = i;
    while (j + 1 < changed.length && (changed[j + 1] as number) - (changed[j] as number) <= 2 * context) j++;
    const end = Math.min(ops.length, (changed[j] as number) + context + 1);
    let oldStart = 1;
    let newStart = 1;
    for (let k = 0; k < start; k++) {
      if (ops[k]?.kind !== 'ins') oldStart++;
      if (ops[k]?.kind !== 'del') newStart++;
    }
    const body: string[] = [];
    let oldLen = 0;
    let newLen = 0;
    for (let k = start; k < end; k++) {
      const op = ops[k] as Op;
      if (op.kind === 'eq') {
        body.push(` ${op.line}`);
        oldLen++;
        newLen++;
      } else if (op.kind === 'del') {
        body.push(`-${op.line}`);
        oldLen++;
      } else {
        body.push(`+${op.line}`);
        newLen++;
      }
    }
    const range = (s: number, l: number) => (l === 1 ? `${s}` : `${l === 0 ? s - 1 : s},${l}`);
    out.push(`@@ -${range(oldStart, oldLen)} +${range(newStart, newLen)} @@`, ...body);
    i = j + 1;
  }
  return { text: `${out.join('\n')}\n`, additions, deletions };
}
