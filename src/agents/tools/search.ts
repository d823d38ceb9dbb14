import { z } from 'zod';
import type { ToolDef } from '../types.ts';
import { clip, translated, workspaceRel } from './common.ts';

export const SEARCH_MAX_RESULTS = 200;
/** The answer stays readable however long the matching lines are. */
const SEARCH_MAX_CHARS = 24_000;

const Input = z.strictObject({
  query: z.string().min(1).max(1000).describe('Text to find (case-insensitive), or a JavaScript regular expression when regex is true'),
  path: z.string().max(4096).default('').describe('Folder to search below (relative to /workspace); default: the whole workspace'),
  glob: z.string().min(1).max(500).optional().describe('Only files matching this pattern: "*.py", "src/**/*.ts"'),
  regex: z.boolean().default(false),
  case_sensitive: z.boolean().default(false),
  max_results: z.number().int().min(1).max(SEARCH_MAX_RESULTS).default(50),
});
type Input = z.output<typeof Input>;

export const search: ToolDef<Input> = {
  name: 'search',
  description: [
    'Search the text files of the workspace for a string or a regular expression (like grep -rn).',
    'Answers path, line number and the matching line, grouped by file. Ignored folders (node_modules, .git, …), binary files and files over 5 MiB are skipped.',
    'Use it to find where something is defined or used before reading whole files.',
  ].join(' '),
  input: Input,
  async run(input, ctx) {
    const dir = workspaceRel(input.path, { allowRoot: true });
    const res = await translated(() =>
      ctx.services.files.search(ctx.project.id, {
        q: input.query,
        dir,
        glob: input.glob,
        regex: input.regex ? '1' : '0',
        case_sensitive: input.case_sensitive ? '1' : '0',
        max_results: input.max_results,
      }),
    );
    if (res.matches.length === 0) return `No match for ${JSON.stringify(input.query)} in ${res.files_scanned} file(s) searched${res.files_skipped ? ` (${res.files_skipped} skipped: binary or too large)` : ''}.`;
    const files = new Set(res.matches.map((m) => m.path));
    const out: string[] = [`${res.matches.length} match(es) in ${files.size} file(s) for ${JSON.stringify(input.query)}:`];
    let size = out[0]?.length ?? 0;
    let last = '';
    let shown = 0;
    for (const m of res.matches) {
      const lines = m.path !== last ? [m.path] : [];
      lines.push(`  ${m.line}: ${clip(m.text.trim(), 300)}`);
      const add = lines.join('\n');
      if (size + add.length > SEARCH_MAX_CHARS) break;
      out.push(add);
      size += add.length + 1;
      last = m.path;
      shown++;
    }
    if (shown < res.matches.length) out.push(`[${res.matches.length - shown} more match(es) not shown: narrow the query, the path or the glob]`);
    else if (res.truncated) out.push(`[stopped at ${input.max_results} matches: there are more; narrow the query, the path or the glob]`);
    return out.join('\n');
  },
};
