import { EXIT_RULES } from './exit-codes.ts';
import type { BlockDef } from './pattern.ts';
import { PATTERNS } from './patterns/index.ts';

/**
 * The pattern tables of docs/errors.md, rendered from the library itself so
 * the document cannot drift (docs.test.ts compares). Regenerate with:
 *   node --import tsx -e "import('./src/console/detect/docs.ts').then((m) => console.log(m.patternTables()))"
 */

const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s: string): string => `\`${esc(s).replace(/`/g, 'ˋ')}\``;
const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n)}…` : s);

export function patternTables(): string {
  const out: string[] = [];
  const blocks = new Map<string, BlockDef>();
  for (const lang of new Set(PATTERNS.map((p) => p.language))) {
    out.push(`### ${lang}`, '', '| id | type | severity | lines | example | suggestion |', '| --- | --- | --- | --- | --- | --- |');
    for (const p of PATTERNS.filter((x) => x.language === lang)) {
      if (p.block) blocks.set(p.block.id, p.block);
      const sug = p.suggestion === undefined ? '' : typeof p.suggestion === 'string' ? p.suggestion : (p.suggestion[0] ?? '');
      const lines = p.block ? `block \`${p.block.id}\` (${p.on ?? 'start'})` : 'one';
      const exits = p.explainsExit ? ` (explains exit ${p.explainsExit.join('/')})` : '';
      out.push(`| ${p.id} | ${p.type} | ${p.silent ? 'silent' : p.severity} | ${lines} | ${code(clip(p.examples[0] ?? '', 90))} | ${esc(sug)}${exits} |`);
    }
    out.push('');
  }
  out.push('### Blocks', '', '| block | start | continues with | ends with | notes |', '| --- | --- | --- | --- | --- |');
  for (const b of blocks.values()) {
    const notes = [
      b.requireEnd && 'dropped without its end line',
      b.relativeIndent && 'indentation relative to the start line',
      b.splitOnStart && 'a new start line splits',
      b.lead && `up to ${b.lead.max} message lines before the first frame`,
      b.frames && `file:line from the ${b.frames.pick === 'last' ? 'deepest' : 'innermost'} user frame`,
      b.preamble && 'or the `path:line` header printed above the error',
      `${b.maxLines ?? 200} lines stored (+ the last 20)`,
    ].filter((n): n is string => typeof n === 'string');
    out.push(`| ${b.id} | ${code(b.start.source)} | ${code(b.continue.source)} | ${b.end ? code(b.end.source) : 'the first other line, or flush()'} | ${notes.join('; ')} |`);
  }
  out.push('', '### Exit codes', '', '| exit code | type | when | message |', '| --- | --- | --- | --- |');
  for (const r of EXIT_RULES) out.push(`| ${r.code} | ${r.type} | ${r.oom ? 'Docker reports OOMKilled' : 'no line of the run explained it'} | ${r.message} |`);
  return out.join('\n');
}
