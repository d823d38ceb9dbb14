/**
 * Writes the command reference of docs/cli.md from the command definitions
 * themselves (cli/app.ts and each class: paths, usage, options, examples,
 * and what --json prints), between the markers below; the prose around it is
 * written by hand. scripts/gen-cli-docs.test.ts fails when the file is stale.
 *
 *   node --import tsx scripts/gen-cli-docs.ts           rewrite docs/cli.md
 *   node --import tsx scripts/gen-cli-docs.ts --check   exit 1 if it is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cli, type BaseContext } from 'clipanion';
import { COMMANDS } from '../cli/app.ts';
import type { CommandClass } from '../cli/manifest.ts';
import { loadCommandClass } from '../cli/source-loader.ts';

export const CLI_DOC = join(resolve(fileURLToPath(import.meta.url), '..', '..'), 'docs', 'cli.md');
export const BEGIN = '<!-- BEGIN GENERATED: command reference (scripts/gen-cli-docs.ts); edit the commands, not this -->';
export const END = '<!-- END GENERATED -->';

/** Options every command has; the conventions above the reference describe them once. */
const COMMON = new Set(['--json', '--no-start']);

const oneLine = (s: string | undefined) => (s ?? '').replace(/\s*\n\s*/g, ' ').trim();
const cell = (s: string) => s.replace(/\|/g, '\\|');
const anchor = (path: string) => path.replace(/\s+/g, '-');

export async function renderCommandReference(): Promise<string> {
  const classes: CommandClass[] = [];
  for (const entry of COMMANDS) classes.push(await loadCommandClass(entry));
  const out: string[] = [];
  const byCategory = new Map<string, string[]>();
  for (const cls of classes) {
    const missing = cls.json === undefined;
    const path = cls.paths?.[0]?.join(' ') ?? '';
    if (missing) throw new Error(`zeblit ${path}: its class says nothing about --json (static json = '…'); every command documents its JSON`);
    // One clipanion Cli per class: definitions() of a single command, formatted as `zeblit --help` does.
    const cli = new Cli<BaseContext>({ binaryName: 'zeblit' });
    cli.register(cls);
    const [def] = cli.definitions();
    if (!def) continue;
    const category = oneLine(def.category) || 'General';
    const lines: string[] = [];
    lines.push(`### zeblit ${path}`, '');
    lines.push(`${oneLine(def.description)}`, '');
    lines.push('```', def.usage.replace(/#0/g, '<value>'), '```', '');
    const aliases = (cls.paths ?? []).slice(1).map((p) => `\`zeblit ${p.join(' ')}\``);
    if (aliases.length) lines.push(`Also: ${aliases.join(', ')}.`, '');
    if (def.details) lines.push(def.details.trim().replace(/\n{3,}/g, '\n\n'), '');
    const options = def.options.filter((o) => !COMMON.has(o.definition));
    if (options.length) {
      lines.push('| option | |', '| --- | --- |');
      for (const o of options) lines.push(`| \`${o.definition.replace(/#0/g, '<value>')}\` | ${cell(oneLine(o.description))} |`);
      lines.push('');
    }
    lines.push(`**--json**: ${oneLine(cls.json)}`, '');
    if (def.examples?.length) {
      lines.push('```sh');
      for (const [label, command] of def.examples) lines.push(`# ${oneLine(label)}`, command);
      lines.push('```', '');
    }
    byCategory.set(category, [...(byCategory.get(category) ?? []), lines.join('\n')]);
  }
  const categories = [...byCategory.keys()];
  out.push(BEGIN, '', '## Command reference', '');
  for (const c of categories) {
    const paths = classes.filter((cls) => (oneLine(cls.usage?.category) || 'General') === c).map((cls) => cls.paths?.[0]?.join(' ') ?? '');
    out.push(`- **${c}**: ${paths.map((p) => `[${p}](#zeblit-${anchor(p)})`).join(' · ')}`);
  }
  out.push('');
  for (const c of categories) out.push(`## ${c}`, '', ...(byCategory.get(c) ?? []));
  out.push(END);
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}

/** docs/cli.md with its reference replaced by `reference`. */
export function withReference(doc: string, reference: string): string {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < 0) return `${doc.trimEnd()}\n\n${reference}`;
  return `${doc.slice(0, start)}${reference}${doc.slice(end + END.length).replace(/^\n/, '')}`;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const doc = readFileSync(CLI_DOC, 'utf8');
  const next = withReference(doc, await renderCommandReference());
  if (process.argv.includes('--check')) {
    if (next !== doc) {
      console.error('docs/cli.md is stale: run `node --import tsx scripts/gen-cli-docs.ts`');
      process.exit(1);
    }
    console.log('docs/cli.md is up to date');
  } else {
    writeFileSync(CLI_DOC, next);
    console.log(`wrote ${CLI_DOC}`);
  }
}
