import type { FileEntry, FileTree, FileVersionInfo, SearchMatch, TreeNode } from '../src/contracts/index.ts';
import { formatTime } from './format.ts';
import { formatBytes } from './progress.ts';
import { formatTable } from './table.ts';

export function entryTable(items: FileEntry[]): string {
  if (items.length === 0) return 'No files.\n';
  return formatTable(
    ['type', 'size', 'modified', 'path'],
    items.map((e) => [e.type === 'dir' ? 'dir' : e.type, e.type === 'dir' ? '-' : formatBytes(e.size), formatTime(e.modified), `${e.path}${e.type === 'dir' ? '/' : ''}${e.ignored ? '  (ignored)' : ''}`]),
  );
}

/** The tree as `tree` draws it, with sizes. */
export function renderTree(t: FileTree): string {
  const lines = [`${t.root.path || '.'}  (${formatBytes(t.root.size)})`];
  const walk = (node: TreeNode, prefix: string) => {
    const kids = node.children ?? [];
    kids.forEach((c, i) => {
      const last = i === kids.length - 1;
      const note = c.type === 'dir' ? (c.truncated ? (c.ignored ? '  (ignored)' : '  …') : '') : c.type === 'symlink' ? '  -> (link)' : '';
      lines.push(`${prefix}${last ? '└── ' : '├── '}${c.name}${c.type === 'dir' ? '/' : ''}  ${formatBytes(c.size)}${note}`);
      if (c.children) walk(c, `${prefix}${last ? '    ' : '│   '}`);
    });
  };
  walk(t.root, '');
  lines.push(`${t.dirs} folders, ${t.files} files${t.truncated ? ' (truncated)' : ''}`);
  return `${lines.join('\n')}\n`;
}

export function versionTable(items: FileVersionInfo[]): string {
  if (items.length === 0) return 'No versions.\n';
  return formatTable(
    ['version', 'action', 'size', 'author', 'time', 'origin'],
    items.map((v) => [`${v.version}${v.current ? '*' : ''}`, v.action, v.size === null ? '-' : formatBytes(v.size), v.author, formatTime(v.created_at), v.origin]),
  );
}

export function matchLines(matches: SearchMatch[]): string {
  return matches.map((m) => `${m.path}:${m.line}:${m.column}: ${m.text}\n`).join('');
}
