import { z } from 'zod';
import { AGENT_NAMES, AgentName } from '../../contracts/index.ts';
import { ToolError, type ToolDef } from '../types.ts';

const Input = z.strictObject({
  agent: AgentName.describe('Who does the sub-task'),
  task: z.string().trim().min(1).max(20_000).describe('The sub-task, self-contained: what to do, which files, what "done" means, and what to report back'),
});
type Input = z.output<typeof Input>;

export const delegate: ToolDef<Input> = {
  name: 'delegate',
  description: [
    'Give a sub-task to another agent of the team and wait for its answer (a summary of what it did and found).',
    'product_manager: requirements, user stories, acceptance criteria. architect: design, structure, technology choices, written design docs.',
    'engineer: writes, runs and fixes code and tests. data_analyst: data files, analysis, charts, notebooks. platform_engineer: dependencies, builds, servers, Dockerfiles, CI, environment problems.',
    'security_engineer: security review, secrets, vulnerable dependencies, scanners.',
    'The agent sees only the task you write, not this conversation: include everything it needs.',
  ].join(' '),
  input: Input,
  async run(input, ctx) {
    if (!AGENT_NAMES.includes(input.agent)) throw new ToolError(`There is no agent ${input.agent}; the agents are ${AGENT_NAMES.join(', ')}.`);
    if (input.agent === ctx.agent) throw new ToolError('You cannot delegate to yourself: do the task, or give it to another agent.');
    const answer = await ctx.delegate(input.agent, input.task);
    return `${input.agent} answered:\n${answer}`;
  },
};
