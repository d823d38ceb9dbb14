/**
 * The due instants of every task in one min-heap, so one timer (armed for
 * the earliest) serves any number of tasks. Changing or removing a key is
 * lazy: the old entry stays in the heap and is dropped when it surfaces,
 * because `current` no longer names it.
 */
interface Entry {
  at: number;
  key: string;
  version: number;
}

export class DueQueue {
  private heap: Entry[] = [];
  private readonly current = new Map<string, Entry>();
  private version = 0;

  get size(): number {
    return this.current.size;
  }

  /** Sets (or moves) `key` to `at`; null removes it. */
  set(key: string, at: number | null): void {
    if (at === null) {
      this.current.delete(key);
      return;
    }
    const e = { at, key, version: ++this.version };
    this.current.set(key, e);
    this.push(e);
    // Stale entries are dropped when they surface; rebuild when they outnumber the live ones.
    if (this.heap.length > 64 && this.heap.length > 4 * this.current.size) this.rebuild();
  }

  delete(key: string): void {
    this.current.delete(key);
  }

  at(key: string): number | null {
    return this.current.get(key)?.at ?? null;
  }

  /** The earliest live entry, without removing it. */
  peek(): { at: number; key: string } | null {
    this.dropStale();
    const top = this.heap[0];
    return top ? { at: top.at, key: top.key } : null;
  }

  /** Removes and returns the earliest live entry when it is due at `now` or before. */
  popDue(now: number): { at: number; key: string } | null {
    const top = this.peek();
    if (!top || top.at > now) return null;
    this.pop();
    this.current.delete(top.key);
    return top;
  }

  private dropStale(): void {
    for (let top = this.heap[0]; top && this.current.get(top.key) !== top; top = this.heap[0]) this.pop();
  }

  private rebuild(): void {
    this.heap = [...this.current.values()];
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.version < b.version);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] as Entry;
      if (!this.less(e, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (!last || h.length === 0) return;
    h[0] = last;
    this.down(0);
  }

  private down(start: number): void {
    const h = this.heap;
    let i = start;
    const e = h[i] as Entry;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && this.less(h[r] as Entry, h[l] as Entry) ? r : l;
      if (!this.less(h[c] as Entry, e)) break;
      h[i] = h[c] as Entry;
      i = c;
    }
    h[i] = e;
  }
}
