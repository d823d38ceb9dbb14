/** Which methods a path would accept, for 405 answers. Route patterns use Hono's `:param` syntax. */
const cache = new Map<string, RegExp>();

function toRegex(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    const body = pattern
      .split('/')
      .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    re = new RegExp(`^${body}/?$`);
    cache.set(pattern, re);
  }
  return re;
}

export function methodsFor(routes: { method: string; path: string }[], path: string): string[] {
  const found = new Set<string>();
  for (const r of routes) if (!r.path.endsWith('*') && toRegex(r.path).test(path)) found.add(r.method);
  return [...found].sort();
}
