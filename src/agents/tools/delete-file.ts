import { z } from 'zod';
import type { ToolDef } from '../types.ts';
import { changeOf, translated, workspaceRel } from './common.ts';

const Input = z.strictObject({
  path: z.string().min(1).max(4096).describe('File or folder relative to /workspace; a folder goes with everything in it'),
});
type Input = z.output<typeof Input>;

export const deleteFile: ToolDef<Input> = {
  name: 'delete_file',
  description: 'Delete a file, or a folder with everything in it. The last version of each file is kept in the history, so a deletion can be undone by the user. Never delete what you did not create unless the task asks for it.',
  input: Input,
  needsApproval: (input) => `deletes ${input.path}`,
  async run(input, ctx) {
    const rel = workspaceRel(input.path);
    const res = await translated(() => ctx.services.files.delete(ctx.project.id, rel, changeOf(ctx)));
    ctx.fileChanged(res.path);
    return res.type === 'dir' ? `Deleted the folder ${res.path} and the ${res.files} file(s) in it.` : `Deleted ${res.path}.`;
  },
};
