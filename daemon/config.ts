import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { TemplateName, zeblitPaths, type ZeblitPaths } from '../src/contracts/index.ts';

/**
 * Settings come from flags, then env, then $ZEBLIT_HOME/config.json, then
 * defaults. The file is shared with the CLI (it keeps `host` and
 * `current_project` there), so unknown keys are ignored, never rejected.
 */
export const FileConfig = z.looseObject({
  port: z.number().int().min(0).max(65_535).optional(),
  bind: z.string().min(1).optional(),
  allowed_origins: z.array(z.string().url()).optional(),
  allowed_hosts: z.array(z.string().min(1)).optional(),
  rate_limit: z.object({ per_second: z.number().positive(), burst: z.number().int().positive() }).partial().optional(),
  /** Failed authentications per remote address on TCP before its 401s become 429s. */
  auth_failure_limit: z.object({ per_minute: z.number().positive(), burst: z.number().int().positive() }).partial().optional(),
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  max_body_bytes: z.number().int().min(1024).optional(),
  max_upload_bytes: z.number().int().min(1024).optional(),
  file_retention: z.object({ keep_versions: z.number().int().min(1), keep_days: z.number().min(0) }).partial().optional(),
  console_retention: z.object({ max_lines: z.number().int().min(100), max_bytes: z.number().int().min(64 * 1024) }).partial().optional(),
  shutdown_timeout_ms: z.number().int().min(0).optional(),
  /** Template → image, instead of the template's default (python:3.12-slim, …). */
  images: z.partialRecord(TemplateName, z.string().min(1)).optional(),
  /** How containers see the workspace: auto (archive for a remote engine), bind, archive. */
  workspace_mode: z.enum(['auto', 'bind', 'archive']).optional(),
  /** The agents' limits (docs/agents.md): tool steps per agent loop, USD per turn, context tokens, approval wait. */
  agents: z
    .object({
      step_limit: z.number().int().min(1).max(1_000),
      turn_cost_limit_usd: z.number().positive(),
      context_budget_tokens: z.number().int().min(2_000).max(2_000_000),
      approval_timeout_ms: z.number().int().min(1_000).max(7 * 86_400_000),
    })
    .partial()
    .optional(),
});

export interface DaemonConfig {
  paths: ZeblitPaths;
  port: number;
  /** False when the port is the default: then a taken port leaves the daemon on its socket alone instead of failing. */
  portExplicit: boolean;
  bind: string;
  /** True when the user asked for a non-loopback address. */
  exposed: boolean;
  allowedOrigins: string[];
  allowedHosts: string[];
  rateLimit: { perSecond: number; burst: number };
  /** From auth_failure_limit (per_minute, burst); default 30 per minute, bursts of 20. */
  authFailureLimit: { perSecond: number; burst: number };
  logLevel: string;
  maxBodyBytes: number;
  /** Largest file upload; env ZEBLIT_MAX_UPLOAD_BYTES. */
  maxUploadBytes: number;
  /** Per file: the newest N versions and every version younger than D days are kept. */
  fileRetention: { keepVersions: number; keepDays: number };
  /** Console lines kept per project: the newest within both limits. */
  consoleRetention: { maxLines: number; maxBytes: number };
  shutdownTimeoutMs: number;
  images: Partial<Record<TemplateName, string>>;
  /** env ZEBLIT_WORKSPACE_MODE or workspace_mode; default auto. */
  workspaceMode: 'auto' | 'bind' | 'archive';
  /** From `agents` in config.json; what is absent takes the AgentService default. */
  agents: { stepLimit?: number; turnCostLimitUsd?: number; contextBudgetTokens?: number; approvalTimeoutMs?: number };
}

export const HELP = `zeblitd: the Zeblit daemon (runs in the foreground)

Usage: zeblitd [options]
       zeblitd restore <backup.tar.gz> [--force]   (on a stopped home; see zeblitd restore --help)

Options:
  --home <dir>        state folder (env ZEBLIT_HOME, default ~/.zeblit)
  --port <n>          TCP port on the bind address (env ZEBLIT_PORT, default 7823; 0 = any free port)
  --bind <addr>       TCP address (env ZEBLIT_BIND, default 127.0.0.1). Anything but loopback
                      exposes the API to your network and is logged as a warning.
  --log-level <lvl>   fatal|error|warn|info|debug|trace|silent (env ZEBLIT_LOG_LEVEL, default info)
  -h, --help          this help
  -v, --version       the version

Serves the same API on $ZEBLIT_HOME/zeblitd.sock (mode 0600, no token needed) and on
http://<bind>:<port> (Authorization: Bearer <api key> required).
Most users start it through the CLI: \`zeblit daemon start\`.`;

export type ParsedArgs = { help: true } | { version: true } | { config: DaemonConfig };

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new Error(`${name} must be a port number (0-65535), got "${v}"`);
  return n;
}

function readFileConfig(file: string): z.infer<typeof FileConfig> {
  if (!existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}); fix or remove it`);
  }
  const parsed = FileConfig.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`${file} has invalid settings: ${issues}`);
  }
  return parsed.data;
}

function uploadLimit(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1024) throw new Error(`ZEBLIT_MAX_UPLOAD_BYTES must be a whole number of bytes >= 1024, got "${v}"`);
  return n;
}

function workspaceMode(v: string | undefined): DaemonConfig['workspaceMode'] | undefined {
  if (v === undefined || v === '') return undefined;
  const m = FileConfig.shape.workspace_mode.unwrap().safeParse(v);
  if (!m.success) throw new Error(`ZEBLIT_WORKSPACE_MODE must be auto, bind or archive, got "${v}"`);
  return m.data;
}

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      home: { type: 'string' },
      port: { type: 'string' },
      bind: { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
    strict: true,
  });
  if (values.help) return { help: true };
  if (values.version) return { version: true };
  const paths = zeblitPaths(values.home ? { ...env, ZEBLIT_HOME: values.home } : env);
  const file = readFileConfig(paths.config);
  const bind = values.bind ?? env.ZEBLIT_BIND ?? file.bind ?? '127.0.0.1';
  const port = num('--port', values.port) ?? num('ZEBLIT_PORT', env.ZEBLIT_PORT) ?? file.port ?? 7823;
  const logLevel = values['log-level'] ?? env.ZEBLIT_LOG_LEVEL ?? file.log_level ?? 'info';
  if (!FileConfig.shape.log_level.safeParse(logLevel).success) throw new Error(`unknown log level "${logLevel}"`);
  const rps = env.ZEBLIT_RATE_LIMIT_RPS ? Number(env.ZEBLIT_RATE_LIMIT_RPS) : undefined;
  const burst = env.ZEBLIT_RATE_LIMIT_BURST ? Number(env.ZEBLIT_RATE_LIMIT_BURST) : undefined;
  const origins = env.ZEBLIT_ALLOWED_ORIGINS ? env.ZEBLIT_ALLOWED_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  return {
    config: {
      paths,
      port,
      portExplicit: values.port !== undefined || (env.ZEBLIT_PORT ?? '') !== '' || file.port !== undefined,
      bind,
      exposed: !LOOPBACK.has(bind),
      allowedOrigins: origins ?? file.allowed_origins ?? [],
      allowedHosts: file.allowed_hosts ?? [],
      rateLimit: {
        perSecond: rps && rps > 0 ? rps : (file.rate_limit?.per_second ?? 100),
        burst: burst && burst > 0 ? burst : (file.rate_limit?.burst ?? 200),
      },
      authFailureLimit: { perSecond: (file.auth_failure_limit?.per_minute ?? 30) / 60, burst: file.auth_failure_limit?.burst ?? 20 },
      logLevel,
      maxBodyBytes: file.max_body_bytes ?? 1 << 20,
      maxUploadBytes: uploadLimit(env.ZEBLIT_MAX_UPLOAD_BYTES) ?? file.max_upload_bytes ?? 100 * 1024 * 1024,
      fileRetention: { keepVersions: file.file_retention?.keep_versions ?? 50, keepDays: file.file_retention?.keep_days ?? 30 },
      consoleRetention: { maxLines: file.console_retention?.max_lines ?? 20_000, maxBytes: file.console_retention?.max_bytes ?? 20 * 1024 * 1024 },
      shutdownTimeoutMs: file.shutdown_timeout_ms ?? 10_000,
      images: file.images ?? {},
      workspaceMode: workspaceMode(env.ZEBLIT_WORKSPACE_MODE) ?? file.workspace_mode ?? 'auto',
      agents: {
        stepLimit: file.agents?.step_limit,
        turnCostLimitUsd: file.agents?.turn_cost_limit_usd,
        contextBudgetTokens: file.agents?.context_budget_tokens,
        approvalTimeoutMs: file.agents?.approval_timeout_ms,
      },
    },
  };
}
