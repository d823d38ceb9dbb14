import { posix } from 'node:path';
import { z } from 'zod';
import { ClientType } from './auth.ts';
import { TemplateName } from './projects.ts';

export const WORKSPACE_DIR = '/workspace';
export const EXEC_TIMEOUT_DEFAULT_SECONDS = 120;
export const EXEC_TIMEOUT_MAX_SECONDS = 3600;

/** Where the engine is and whether it answers; reported by GET /health. */
export const EngineStatus = z.object({
  reachable: z.boolean(),
  version: z.string().nullable(),
  endpoint: z.string().describe('unix:///var/run/docker.sock, tcp://host:2376, …'),
  error: z.string().optional(),
});
export type EngineStatus = z.infer<typeof EngineStatus>;

/**
 * absent: no container (never started, or removed); stopped: stopped by Zeblit
 * (request or idle); exited: it ended on its own (crash, OOM, killed outside
 * Zeblit) and starts again on the next access.
 */
export const ContainerState = z.enum(['absent', 'starting', 'running', 'stopping', 'stopped', 'exited']);
export type ContainerState = z.infer<typeof ContainerState>;

export const ContainerHealth = z.enum(['healthy', 'unhealthy', 'unknown']);
export type ContainerHealth = z.infer<typeof ContainerHealth>;

export const PublishedPort = z.object({
  container_port: z.number().int(),
  host_ip: z.string(),
  host_port: z.number().int().nullable(),
});
export type PublishedPort = z.infer<typeof PublishedPort>;

export const ContainerExit = z.object({
  exit_code: z.number().int().nullable(),
  oom_killed: z.boolean(),
  reason: z.string().describe('Why it stopped, in words: "stopped after 30 min idle", "OOM killed", "exited with code 1"'),
  at: z.number().int().nullable(),
});
export type ContainerExit = z.infer<typeof ContainerExit>;

export const ContainerStatus = z.object({
  project_id: z.string(),
  state: ContainerState,
  container_id: z.string().nullable(),
  name: z.string(),
  image: z.string().nullable(),
  started_at: z.number().int().nullable(),
  last_active_at: z.number().int().nullable(),
  limits: z.object({ cpus: z.number(), memory_mb: z.number().int(), pids: z.number().int() }),
  network: z.enum(['bridge', 'none']),
  ports: z.array(PublishedPort),
  health: ContainerHealth,
  exit: ContainerExit.nullable(),
  channel: z.enum(['runner', 'exec']).nullable().describe('How commands reach the container: the persistent runner, or one docker exec each'),
  active_runs: z.number().int(),
  idle_timeout_minutes: z.number().int(),
  config_stale: z.boolean().describe('Settings changed since the container was created: a restart applies them'),
});
export type ContainerStatus = z.infer<typeof ContainerStatus>;

/** Pull progress of an image, published as `build.status` and listed by GET /containers/images. */
export const BuildStatus = z.object({
  template: TemplateName.nullable(),
  image: z.string(),
  project_id: z.string().nullable(),
  status: z.enum(['checking', 'pulling', 'ready', 'fallback', 'failed']),
  message: z.string(),
  progress: z.object({ current: z.number(), total: z.number() }).nullable(),
  at: z.number().int(),
});
export type BuildStatus = z.infer<typeof BuildStatus>;

export const ImageStatus = z.object({
  template: TemplateName,
  image: z.string().describe('The configured image (template default or config override)'),
  local_image: z.string(),
  resolved: z.string().nullable().describe('The image containers use, once known'),
  state: z.enum(['unknown', 'present', 'pulling', 'local', 'missing']),
  last: BuildStatus.nullable(),
});
export type ImageStatus = z.infer<typeof ImageStatus>;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A cwd inside /workspace: absolute, or relative to /workspace; `..` may not climb out. */
export const WorkspacePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), 'must not contain NUL')
  .transform((p) => posix.normalize(posix.isAbsolute(p) ? p : posix.join(WORKSPACE_DIR, p)).replace(/(.)\/$/, '$1'))
  .refine((p) => p === WORKSPACE_DIR || p.startsWith(`${WORKSPACE_DIR}/`), `must be inside ${WORKSPACE_DIR}`);

export const ExecuteRequest = z.strictObject({
  command: z
    .union([z.string().min(1).max(131_072), z.array(z.string().max(131_072)).min(1).max(4096)])
    .describe('A string is run by `sh -c`; an array is the argv, run as is'),
  cwd: WorkspacePath.default(WORKSPACE_DIR),
  env: z
    .record(z.string().regex(ENV_NAME, 'environment variable names are letters, digits and _').max(128), z.string().max(32_768))
    .default({})
    .refine((e) => Object.keys(e).length <= 128, 'at most 128 variables'),
  timeout_seconds: z.number().int().min(1).max(EXEC_TIMEOUT_MAX_SECONDS).default(EXEC_TIMEOUT_DEFAULT_SECONDS),
  stdin: z.string().max(1 << 20).optional(),
  detach: z.boolean().default(false).describe('Answer at once with the run id; follow it with GET /runs/{run_id}'),
});
export type ExecuteRequest = z.input<typeof ExecuteRequest>;
export type ExecuteInput = z.output<typeof ExecuteRequest>;

export const RunStatus = z.enum(['running', 'exited', 'timed_out', 'killed', 'failed', 'lost']);
export type RunStatus = z.infer<typeof RunStatus>;

export const ExecuteResult = z.object({
  run_id: z.string(),
  status: RunStatus,
  exit_code: z.number().int().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  stdout_truncated: z.boolean(),
  stderr_truncated: z.boolean(),
  stdout_bytes: z.number().int(),
  stderr_bytes: z.number().int(),
  duration_ms: z.number().int(),
  timed_out: z.boolean(),
  oom_killed: z.boolean(),
  error: z.string().nullable().describe('Why the command could not run or finish, when it could not'),
});
export type ExecuteResult = z.infer<typeof ExecuteResult>;

export const RunStarted = z.object({ run_id: z.string(), status: z.literal('running'), detached: z.literal(true) });
export type RunStarted = z.infer<typeof RunStarted>;

/** One line of the NDJSON (or SSE) stream of POST …/container/execute. */
export const ExecStreamRecord = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), run_id: z.string(), channel: z.enum(['runner', 'exec']) }),
  z.object({ type: z.literal('stdout'), data: z.string() }),
  z.object({ type: z.literal('stderr'), data: z.string() }),
  z.object({ type: z.literal('exit'), result: ExecuteResult }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string(), suggestion: z.string().optional() }),
]);
export type ExecStreamRecord = z.infer<typeof ExecStreamRecord>;

export const RunSummary = z.object({
  id: z.string(),
  project_id: z.string(),
  user_id: z.string().nullable(),
  client_type: ClientType.nullable(),
  command: z.string(),
  argv: z.array(z.string()),
  cwd: z.string(),
  status: RunStatus,
  exit_code: z.number().int().nullable(),
  timed_out: z.boolean(),
  oom_killed: z.boolean(),
  detached: z.boolean(),
  channel: z.enum(['runner', 'exec']),
  started_at: z.number().int(),
  finished_at: z.number().int().nullable(),
  duration_ms: z.number().int().nullable(),
  error: z.string().nullable(),
});
export type RunSummary = z.infer<typeof RunSummary>;

/** A run with its output: everything so far while running, the tails once finished. */
export const Run = RunSummary.extend({
  stdout: z.string(),
  stderr: z.string(),
  stdout_truncated: z.boolean(),
  stderr_truncated: z.boolean(),
  stdout_bytes: z.number().int(),
  stderr_bytes: z.number().int(),
});
export type Run = z.infer<typeof Run>;

export const RunListQuery = z.object({
  status: RunStatus.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type RunListQuery = z.input<typeof RunListQuery>;

export const KillQuery = z.object({
  signal: z.enum(['TERM', 'KILL', 'INT']).default('TERM').describe('TERM and INT escalate to KILL after a grace period'),
});
export type KillQuery = z.input<typeof KillQuery>;

const boolish = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
  .transform((v) => v === true || v === 'true' || v === '1');

export const LogsQuery = z.object({
  tail: z.coerce.number().int().min(0).max(10_000).default(100),
  since: z.coerce.number().int().min(0).optional().describe('UTC milliseconds'),
  follow: boolish.default(false).describe('Stream new lines as NDJSON until the client leaves'),
});
export type LogsQuery = z.input<typeof LogsQuery>;

export const LogLine = z.object({ stream: z.enum(['stdout', 'stderr']), text: z.string(), at: z.number().int().nullable() });
export type LogLine = z.infer<typeof LogLine>;
export const ContainerLogs = z.object({ lines: z.array(LogLine) });
export type ContainerLogs = z.infer<typeof ContainerLogs>;

/** Output of a run as it is produced, for whoever subscribes (console capture, WebSocket hub). */
export interface RunOutputEvent {
  project_id: string;
  run_id: string;
  stream: 'stdout' | 'stderr';
  chunk: string;
}

/**
 * What the engine says about itself (docker info): whether it enforces the
 * limits Zeblit puts on containers, for `zeblit doctor`. A false limit means
 * containers run without it (the kernel or the engine lacks the cgroup
 * controller); warnings are the engine's own.
 */
export const EngineInfo = z.object({
  reachable: z.boolean(),
  endpoint: z.string(),
  version: z.string().nullable(),
  error: z.string().optional(),
  os: z.string().nullable(),
  cgroup_version: z.string().nullable(),
  cpus: z.number().int().nullable(),
  memory_bytes: z.number().nullable(),
  containers_running: z.number().int().nullable(),
  system_time: z.number().int().nullable().describe("The engine's clock (UTC ms) when it answered"),
  limits: z.object({ memory: z.boolean(), cpu: z.boolean(), pids: z.boolean() }).nullable().describe('null: the engine does not say'),
  warnings: z.array(z.string()),
});
export type EngineInfo = z.infer<typeof EngineInfo>;
