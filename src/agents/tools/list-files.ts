import { z } from 'zod';
import type { TreeNode } from '../../contracts/index.ts';
import type { ToolDef } from '../types.ts';
import { formatBytes, translated, workspaceRel } from './common.ts';

/** Entries shown per call: enough to see a project's shape, small enough to keep the context. */
export const LIST_MAX_ENTRIES = 400;

const Input = z.strictObject({
  path: z.string().max(4096).default('').describe('Folder relative to /workspace; empty for the whole workspace'),
  depth: z.number().int().min(1).max(10).default(3).describe('How many folder levels to open (tree view only; default 3)'),
  glob: z.string().min(1).max(500).optional().describe('Only paths matching this pattern, at any depth below the folder: "*.py", "src/**/*.ts", "test_*"'),
});
type Input = z.output<typeof Input>;

export const listFiles: ToolDef<Input> = {
  name: 'list_files',
  description: [
    'List the files of the workspace (/workspace in the container).',
    'Without glob: a tree of the folder, `depth` levels deep, with file sizes. Folders not opened end in "/ …"; ignored folders (node_modules, .git, build output) are marked and not opened.',
    'With glob: a flat list of the matching paths below the folder (e.g. glob "*.py" finds Python files at any depth).',
    `At most ${LIST_MAX_ENTRIES} entries per call: narrow with path or glob when told the listing was cut.`,
  ].join(' '),
  input: Input,
  async run(input, ctx) {
    const rel = workspaceRel(input.path, { allowRoot: true });
    const projectId = ctx.project.id;
    await ctx.services.files.settled(projectId); // the scan after a command the agent just ran
    const where = rel === '' ? '/workspace' : rel;
    if (input.glob !== undefined) {
      const glob = input.glob;
      const res = await translated(() => ctx.services.files.list(projectId, { dir: rel, glob, limit: LIST_MAX_ENTRIES }));
      if (res.items.length === 0) return `No path below ${where} matches ${glob}.`;
      const lines = res.items.map((e) => `${e.path}${e.type === 'dir' ? '/' : ` (${formatBytes(e.size)})`}${e.ignored ? ' [ignored]' : ''}`);
      const more = res.truncated ? `\n[cut at ${LIST_MAX_ENTRIES} entries: narrow the glob or the folder]` : '';
      return `${res.items.length} path(s) below ${where} matching ${glob}:\n${lines.join('\n')}${more}`;
    }
    const res = await translated(() => ctx.services.files.tree(projectId, { path: rel, depth: input.depth, max_entries: LIST_MAX_ENTRIES }));
    const lines: string[] = [];
    const walk = (node: TreeNode, indent: string) => {
      for (const c of sorted(node.children ?? [])) {
        if (c.type === 'dir') {
          const closed = c.children === undefined;
          const note = c.ignored && closed ? ' [ignored, not listed]' : closed ? ' …' : '';
          lines.push(`${indent}${c.name}/${note}`);
          if (!closed) walk(c, `${indent}  `);
          if (c.truncated && !closed) lines.push(`${indent}  … [more entries not listed]`);
        } else {
          lines.push(`${indent}${c.name}${c.type === 'symlink' ? ' -> (link)' : ` (${formatBytes(c.size)})`}${c.ignored ? ' [ignored]' : ''}`);
        }
      }
    };
    walk(res.root, '');
    if (lines.length === 0) return `${where} is empty.`;
    const head = `${where}: ${res.files} file(s), ${res.dirs} folder(s) listed`;
    const more = res.truncated ? `\n[cut at ${LIST_MAX_ENTRIES} entries: list a subfolder, lower the depth, or use a glob]` : '';
    return `${head}\n${lines.join('\n')}${more}`;
  },
};

/** Folders first, then files, each by name: the order people expect of a tree. */
function sorted(nodes: TreeNode[]): TreeNode[] {
  return [...nodes].sort((a, b) => (a.type === 'dir') !== (b.type === 'dir') ? (a.type === 'dir' ? -1 : 1) : a.name.localeCompare(b.name));
}
