import { z } from 'zod';
import type { FinishSignal, ToolDef } from '../types.ts';

const Input = z.strictObject({
  summary: z.string().trim().min(1).max(20_000).describe('For the user: what you did, what changed (files), what you checked and how, and anything left open'),
});
type Input = z.output<typeof Input>;

export const finish: ToolDef<Input> = {
  name: 'finish',
  description: 'End your work on this task with a short summary for the user: what changed (which files), how you checked it (the commands you ran and their result), and what is left open or needs their decision. Call it once, last.',
  input: Input,
  async run(input): Promise<FinishSignal> {
    return { finish: true, summary: input.summary };
  },
};
