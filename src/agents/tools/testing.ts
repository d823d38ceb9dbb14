/**
 * Test helpers for the tools: the real services (files, console, containers)
 * over one database in a throwaway home, wired as daemon/boot.ts wires them
 * (run output → console capture, run end → exit judgement), and a ToolContext
 * that records what the tools report.
 */
import assert from 'node:assert/strict';
import type { AgentName, Project, TemplateName, ToolName, ZeblitEvent } from '../../contracts/index.ts';
import { ConsoleService } from '../../console/index.ts';
import { bridgeEvents } from '../../containers/index.ts';
import { silentLog } from '../../containers/options.ts';
import { containerTestEnv, type ContainerTestEnv } from '../../containers/testing.ts';
import { EventBus } from '../../events/index.ts';
import { FileService } from '../../files/index.ts';
import type { FinishSignal, ToolContext } from '../types.ts';
import { TOOLS } from './index.ts';

export interface RecordingContext extends ToolContext {
  changed: string[];
  runs: string[];
  output: { runId: string; stream: 'stdout' | 'stderr'; data: string }[];
  delegated: { agent: AgentName; task: string }[];
}

export interface ToolFixture {
  env: ContainerTestEnv;
  bus: EventBus;
  files: FileService;
  console: ConsoleService;
  events: ZeblitEvent[];
  project(name?: string, template?: TemplateName): Project;
  context(project: Project, agent?: AgentName, more?: Partial<ToolContext>): RecordingContext;
  /** Validates the input as the loop does, then runs the tool. */
  call(name: ToolName, input: unknown, ctx: ToolContext): Promise<string | FinishSignal>;
  /** call() that must answer text. */
  text(name: ToolName, input: unknown, ctx: ToolContext): Promise<string>;
  close(): Promise<void>;
}

export function toolFixture(): ToolFixture {
  const env = containerTestEnv();
  const db = env.database.db;
  const bus = new EventBus(db);
  const events: ZeblitEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const files = new FileService(db, bus, env.paths, { workspaceOf: (id) => env.projects.workspaceOf(id) }, { busy: (id) => env.containers.hasActiveRuns(id) });
  const console = new ConsoleService(db, bus);
  const unbridge = bridgeEvents(env.containers.events, { bus, capture: console.capture, log: silentLog });
  const offExit = env.containers.events.on('run.finished', (f) => console.errors.runExited(f.project_id, f.run_id, f.exit_code));
  let n = 0;
  const call = async (name: ToolName, input: unknown, ctx: ToolContext) => {
    const tool = TOOLS[name];
    return tool.run(tool.input.parse(input), ctx);
  };
  return {
    env,
    bus,
    files,
    console,
    events,
    project: (name = `t${++n}`, template = 'blank') => env.project(name, {}, template),
    context(project, agent = 'engineer', more = {}) {
      const ctx: RecordingContext = {
        project,
        agent,
        conversationId: 'conv_test',
        userId: env.owner.id,
        signal: new AbortController().signal,
        services: { files, containers: env.containers, console },
        taskPaths: new Set(),
        changed: [],
        runs: [],
        output: [],
        delegated: [],
        fileChanged: (p) => void ctx.changed.push(p),
        runStarted: (id) => void ctx.runs.push(id),
        runOutput: (runId, stream, data) => void ctx.output.push({ runId, stream, data }),
        delegate: async (a, task) => {
          ctx.delegated.push({ agent: a, task });
          return `done by ${a}`;
        },
        ...more,
      };
      return ctx;
    },
    call,
    async text(name, input, ctx) {
      const out = await call(name, input, ctx);
      assert.equal(typeof out, 'string', `${name} answered a finish signal`);
      return out as string;
    },
    async close() {
      unbridge();
      offExit();
      console.close();
      files.close();
      await env.close();
    },
  };
}
