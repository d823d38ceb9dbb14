/**
 * What a tool is and what it is given. Tools are the only way an agent
 * touches a project: the files service (versions, file.changed), the
 * container (runs reach the console), the console (recent output, errors).
 */
import type { z } from 'zod';
import type { AgentName, Project, ToolName } from '../contracts/index.ts';
import type { ConsoleService } from '../console/index.ts';
import type { Containers } from '../containers/index.ts';
import type { FileService } from '../files/index.ts';

export interface ToolServices {
  files: FileService;
  containers: Containers;
  console: ConsoleService;
  /** The latest results of the project's scheduled tasks, one line each (the scheduler provides them; absent: none shown). */
  tasks?: TaskResults;
}

export interface TaskResults {
  recentResults(projectId: string, limit: number): string[];
}

export interface ToolContext {
  project: Project;
  agent: AgentName;
  conversationId: string;
  userId: string | null;
  signal: AbortSignal;
  services: ToolServices;
  /** Paths this turn named or touched so far: writes to them are "inside the current task" (approval: ask). */
  taskPaths: Set<string>;
  /** A file the tool changed (recorded on the step and the turn). */
  fileChanged(path: string): void;
  /** A run the tool started; its output is forwarded live to a streaming client. */
  runStarted(runId: string): void;
  runOutput(runId: string, stream: 'stdout' | 'stderr', data: string): void;
  /** Dev Manager only: runs another agent on a sub-task and returns its final answer. */
  delegate(agent: AgentName, task: string): Promise<string>;
}

/**
 * A failure the model should read and react to (file not found, edit matched
 * twice, command timed out). Anything else thrown by a tool is reported to the
 * model as an internal error too; the loop never dies of a tool.
 */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

/** `finish` throws nothing; it returns this to end the turn with a summary. */
export interface FinishSignal {
  finish: true;
  summary: string;
}

/**
 * A tool as a model is told of it: structurally the LlmTool of src/llm, kept
 * here so the agents' tools do not depend on the LLM layer's files.
 */
export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the input (an object schema). */
  input_schema: Record<string, unknown>;
}

export interface ToolDef<I = any> {
  name: ToolName;
  description: string;
  input: z.ZodType<I>;
  /**
   * When the project's approval mode is `ask`: a reason to ask a person before
   * running (e.g. "runs a command: npm test"), or null when this call needs no
   * approval (a write inside the current task).
   */
  needsApproval?(input: I, ctx: ToolContext): string | null;
  /** The text the model reads back. Throw ToolError for failures the model should see. */
  run(input: I, ctx: ToolContext): Promise<string | FinishSignal>;
}
