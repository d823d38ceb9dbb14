/**
 * Routes live in the fragment (#/projects/prj_…/files), so the daemon serves
 * one page and a reload never sends a client route to the server.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { view: 'projects' }
  | { view: 'usage' }
  | { view: 'project'; id: string; tab: ProjectTab; path?: string };

export const PROJECT_TABS = ['files', 'console', 'chat', 'changes', 'tasks', 'container'] as const;
export type ProjectTab = (typeof PROJECT_TABS)[number];

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'usage') return { view: 'usage' };
  if (parts[0] === 'projects' && parts[1]) {
    const tab = (PROJECT_TABS as readonly string[]).includes(parts[2] ?? '') ? (parts[2] as ProjectTab) : 'files';
    return { view: 'project', id: parts[1], tab, path: parts.slice(3).join('/') || undefined };
  }
  return { view: 'projects' };
}

export function href(route: Route): string {
  if (route.view === 'usage') return '#/usage';
  if (route.view === 'projects') return '#/';
  const path = route.path ? `/${route.path.split('/').map(encodeURIComponent).join('/')}` : '';
  return `#/projects/${encodeURIComponent(route.id)}/${route.tab}${path}`;
}

export function go(route: Route): void {
  location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
