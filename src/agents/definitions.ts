/**
 * The seven agents: who they are, which tools they may use, and their system
 * prompts. A prompt lives in ./prompts/<name>.txt beside this module in the
 * source tree, and in <out>/prompts/ beside the bundle (build.mjs copies it
 * there): `new URL('./prompts/…', import.meta.url)` finds it in both places.
 */
import { readFileSync } from 'node:fs';
import { AGENT_NAMES, ZeblitError, type AgentDefinition, type AgentName, type ToolName } from '../contracts/index.ts';

const READ: ToolName[] = ['list_files', 'read_file', 'search'];
const WRITE: ToolName[] = ['write_file', 'edit_file'];
const FILES: ToolName[] = [...READ, ...WRITE, 'delete_file'];

/** In the order the team is presented; the Dev Manager first (the default). */
export const AGENTS: AgentDefinition[] = [
  {
    name: 'dev_manager',
    title: 'Dev Manager',
    description: 'Leads the team: answers questions about the project, plans larger work, gives sub-tasks to the right specialist and reports back.',
    tools: ['list_files', 'read_file', 'search', 'read_console', 'delegate', 'finish'],
    model: null,
    default: true,
  },
  {
    name: 'product_manager',
    title: 'Product Manager',
    description: 'Turns ideas into clear requirements: user stories, acceptance criteria, scope and priorities, written as documents in the project.',
    tools: [...READ, ...WRITE, 'finish'],
    model: null,
    default: false,
  },
  {
    name: 'architect',
    title: 'Architect',
    description: 'Designs the system: structure, modules and interfaces, data models, technology choices and their trade-offs, written as design documents.',
    tools: [...READ, ...WRITE, 'finish'],
    model: null,
    default: false,
  },
  {
    name: 'engineer',
    title: 'Engineer',
    description: 'Writes and changes code and tests, runs them in the container, reads the errors and fixes them until the work runs.',
    tools: [...FILES, 'run_command', 'read_console', 'finish'],
    model: null,
    default: false,
  },
  {
    name: 'data_analyst',
    title: 'Data Analyst',
    description: 'Works with data: loads and cleans files, analyses them with scripts, produces tables, charts and a written account of what the data says.',
    tools: [...FILES, 'run_command', 'finish'],
    model: null,
    default: false,
  },
  {
    name: 'platform_engineer',
    title: 'Platform Engineer',
    description: 'Keeps the project running: dependencies, builds, dev servers, Dockerfiles, CI and environment problems in the container.',
    tools: [...FILES, 'run_command', 'read_console', 'finish'],
    model: null,
    default: false,
  },
  {
    name: 'security_engineer',
    title: 'Security Engineer',
    description: 'Reviews the project for security problems (secrets, injection, unsafe dependencies and configuration), runs scanners and reports findings with fixes.',
    tools: [...READ, 'run_command', 'finish'],
    model: null,
    default: false,
  },
];

const byName = new Map(AGENTS.map((a) => [a.name, a]));

export const DEFAULT_AGENT: AgentName = 'dev_manager';

export function agentDefinition(name: AgentName): AgentDefinition {
  const def = byName.get(name);
  if (!def) throw new ZeblitError('NOT_FOUND', `Agent ${String(name)} not found`, { suggestion: `The agents are ${AGENT_NAMES.join(', ')}.` });
  return def;
}

/** A copy with the model the configuration chose for this agent (null or absent: the provider default). */
export function withModel(def: AgentDefinition, model: string | null | undefined): AgentDefinition {
  return model === undefined || model === null || model === '' ? def : { ...def, model };
}

const prompts = new Map<AgentName, string>();

/** The agent's system prompt, read once. Throws INTERNAL when the file is missing (a broken install). */
export function systemPrompt(name: AgentName): string {
  const cached = prompts.get(name);
  if (cached !== undefined) return cached;
  agentDefinition(name);
  const url = new URL(`./prompts/${name}.txt`, import.meta.url);
  let text: string;
  try {
    text = readFileSync(url, 'utf8').trim();
  } catch (err) {
    throw new ZeblitError('INTERNAL', `The system prompt of ${name} is missing (${url.pathname})`, {
      cause: err,
      suggestion: 'Reinstall or rebuild Zeblit: build.mjs copies src/agents/prompts/ to prompts/ beside the bundle.',
    });
  }
  prompts.set(name, text);
  return text;
}
