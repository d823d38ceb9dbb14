/**
 * Reads a V8 .cpuprofile of the bundled daemon or CLI and says where the time
 * went: self time per original source (through each bundle file's source map,
 * so `node_modules/hono/...` and `src/api/...` show apart) and per function.
 * The CLI is split into chunks: every `.js` of the profile with a `.map` beside
 * it is mapped, not only the one named.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/**
 * The original file of a bundle position. drizzle-orm's own source maps point
 * one level too high ("node_modules/src/..."), so those are named here.
 */
function originalOf(maps: SourceMaps, frame: CallFrame): { source: string; line: number } {
  const plain = { source: frame.url.replace(/^file:\/\//, ''), line: frame.lineNumber };
  const map = frame.lineNumber < 0 ? undefined : maps.of(plain.source);
  if (!map) return plain;
  const e = map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; originalLine?: number };
  if (!e.originalSource) return plain;
  let source = e.originalSource.replace(/^file:\/\//, '');
  const nm = source.lastIndexOf('node_modules/');
  if (nm !== -1) source = source.slice(nm);
  source = source.replace(/^node_modules\/src\//, 'node_modules/drizzle-orm/src/').replace(/^(\.\.\/)+/, '');
  return { source, line: e.originalLine ?? frame.lineNumber };
}

/** Source maps by bundle file, read on first use; `first` is the one the caller named. */
class SourceMaps {
  private readonly cache = new Map<string, SourceMap | undefined>();

  constructor(first: string) {
    this.cache.set(first.replace(/\.map$/, ''), new SourceMap(JSON.parse(readFileSync(first, 'utf8')) as SourceMapPayload));
  }

  of(file: string): SourceMap | undefined {
    if (this.cache.has(file)) return this.cache.get(file);
    const mapFile = `${file}.map`;
    const map = /\.c?js$/.test(file) && existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as SourceMapPayload) : undefined;
    this.cache.set(file, map);
    return map;
  }
}

/** A short group name: the package for node_modules, the folder for our code, the kind for the rest. */
function groupOf(source: string): string {
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  if (nm?.[1]) return nm[1];
  const ours = /(?:^|\/)(src\/[^/]+|daemon|cli)\//.exec(source);
  if (ours?.[1]) return ours[1];
  if (source.startsWith('node:')) return source.replace(/^(node:internal\/[^/]+|node:[^/]+).*/, '$1');
  return source || '(native / vm)';
}

export function summarizeProfile(dir: string, mapFile: string, top = 15): string {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return `no .cpuprofile in ${dir}`;
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const map = new SourceMaps(mapFile);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));

  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

  const groups = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    total += us;
    if (frame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const { source, line } = originalOf(map, frame);
    const name = frame.functionName || '(anonymous)';
    const group = name.startsWith('(') ? name : groupOf(source);
    groups.set(group, (groups.get(group) ?? 0) + us);
    const fn = name.startsWith('(') ? name : `${name} ${source}:${line + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  // Inclusive time: each sample counts once for every distinct function on its stack.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = new Map<number, string>();
  const labelOf = (id: number): string => {
    const known = label.get(id);
    if (known !== undefined) return known;
    const f = byId.get(id)?.callFrame;
    const o = f ? originalOf(map, f) : { source: '?', line: 0 };
    const l = `${f?.functionName || '(anonymous)'} ${o.source}:${o.line + 1}`;
    label.set(id, l);
    return l;
  };
  const inclusive = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    if (byId.get(id)?.callFrame.functionName === '(idle)') return;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) seen.add(labelOf(at));
    for (const l of seen) inclusive.set(l, (inclusive.get(l) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const busy = total - idle;
  const pct = (us: number) => `${((us / busy) * 100).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>, n = top) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${pct(us)}  ${k}`)
      .join('\n');
  return [
    `CPU profile ${join(dir, file)}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (percentages are of busy time)`,
    'self time by package / folder:',
    list(groups),
    'self time by function:',
    list(functions),
    'inclusive time (self + callees) by function:',
    list(inclusive, top * 2),
  ].join('\n');
}
