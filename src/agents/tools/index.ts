/**
 * The ten tools, and how a model is told of them. A tool's zod schema is its
 * validator and, through z.toJSONSchema, the schema the model reads.
 */
import { z } from 'zod';
import type { ToolName } from '../../contracts/index.ts';
import type { ToolDef, ToolSpec } from '../types.ts';
import { delegate } from './delegate.ts';
import { deleteFile } from './delete-file.ts';
import { editFile } from './edit-file.ts';
import { finish } from './finish.ts';
import { listFiles } from './list-files.ts';
import { readConsole } from './read-console.ts';
import { readFile } from './read-file.ts';
import { runCommand } from './run-command.ts';
import { search } from './search.ts';
import { writeFile } from './write-file.ts';

export { workspaceRel } from './common.ts';

export const TOOLS: Record<ToolName, ToolDef> = {
  list_files: listFiles,
  read_file: readFile,
  write_file: writeFile,
  edit_file: editFile,
  delete_file: deleteFile,
  search,
  run_command: runCommand,
  read_console: readConsole,
  delegate,
  finish,
};

const specs = new Map<ToolName, ToolSpec>();

/** The JSON Schema of a tool's input as a model reads it: what it may send (defaults optional), no $schema. */
export function inputSchema(tool: ToolDef): Record<string, unknown> {
  const { $schema: _drop, ...schema } = z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return schema;
}

/** What the model is told of these tools, in the order given. */
export function toolSpecs(names: readonly ToolName[]): ToolSpec[] {
  return names.map((name) => {
    let spec = specs.get(name);
    if (!spec) {
      const tool = TOOLS[name];
      spec = { name: tool.name, description: tool.description, input_schema: inputSchema(tool) };
      specs.set(name, spec);
    }
    return spec;
  });
}
