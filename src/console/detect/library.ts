import type { BlockDef, PatternDef } from './pattern.ts';

/** The pattern list rearranged once for matching: blocks with their patterns, single-line patterns behind a prefilter. */
export interface Library {
  blocks: readonly { def: BlockDef; patterns: readonly PatternDef[] }[];
  /** Single-line patterns in priority order. */
  single: readonly PatternDef[];
  /** The single-line patterns without a hint, in the same order: all a line that fails the prefilter needs. */
  unhinted: readonly PatternDef[];
  /** Matches any hint; null when no pattern has one. */
  prefilter: RegExp | null;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function compileLibrary(patterns: readonly PatternDef[]): Library {
  const blocks = new Map<BlockDef, PatternDef[]>();
  const single: PatternDef[] = [];
  for (const p of patterns) {
    // exec() on a global or sticky regex keeps state between lines: a silent miss.
    if (/[gy]/.test(p.match.flags)) throw new Error(`pattern ${p.id}: match must not use the g or y flag`);
    if (p.block) {
      const list = blocks.get(p.block) ?? [];
      list.push(p);
      blocks.set(p.block, list);
    } else {
      single.push(p);
    }
  }
  const hints = [...new Set(single.flatMap((p) => (p.hint === undefined ? [] : [p.hint])))];
  return {
    blocks: [...blocks].map(([def, list]) => ({ def, patterns: list })),
    single,
    unhinted: single.filter((p) => p.hint === undefined),
    prefilter: hints.length > 0 ? new RegExp(hints.map(escape).join('|')) : null,
  };
}
