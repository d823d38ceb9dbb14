/**
 * Keyboard and screen-reader users follow the page when its view changes:
 * the focus moves to the new view's heading (which is read out) instead of
 * staying on a link that may no longer exist, and the tab's title names the
 * view. Opening a file in the tree is not a new view: the focus stays in
 * the tree.
 */
import { useEffect, useRef } from 'preact/hooks';
import type { Route } from './router.ts';

/** What counts as another view: the view, the project and its tab, not the open file. */
const viewKey = (r: Route) => (r.view === 'project' ? `project/${r.id}/${r.tab}` : r.view);

/** The heading a view change lands on: the project tab's own heading, else the view's first. */
function target(r: Route): HTMLElement | null {
  const main = document.getElementById('main');
  if (!main) return null;
  if (r.view === 'project') return main.querySelector<HTMLElement>('.tab-body h2, .tab-body [data-focus-target]');
  return main.querySelector<HTMLElement>('h1');
}

/**
 * Moves the focus once the new view has rendered its heading (views load
 * their data first); gives up after 5 s, or as soon as the focus has moved
 * elsewhere in the meantime.
 */
export function useFocusOnViewChange(route: Route): void {
  const last = useRef<string | null>(null);
  useEffect(() => {
    const key = viewKey(route);
    const first = last.current === null;
    const changed = last.current !== key;
    last.current = key;
    if (first || !changed) return;
    const deadline = Date.now() + 5_000;
    // Whoever moves the focus before the heading renders (a click, a Tab, a script) keeps it: the page never takes it back.
    const from = document.activeElement;
    let frame = 0;
    const attempt = () => {
      if (document.activeElement !== from && document.activeElement !== document.body) return;
      const el = target(route);
      if (el) {
        if (!el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
        el.focus();
        return;
      }
      if (Date.now() < deadline) frame = requestAnimationFrame(attempt);
      else document.getElementById('main')?.focus();
    };
    frame = requestAnimationFrame(attempt);
    return () => cancelAnimationFrame(frame);
  }, [viewKey(route)]);
}

/** The browser tab's title: "<what> — Zeblit". */
export function usePageTitle(...parts: (string | undefined | null)[]): void {
  const title = [...parts.filter((p): p is string => !!p), 'Zeblit'].join(' — ');
  useEffect(() => {
    document.title = title;
  }, [title]);
}
