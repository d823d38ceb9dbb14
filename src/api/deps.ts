import type { Logger } from 'pino';
import type { Audit } from '../audit/index.ts';
import type { Auth } from '../auth/index.ts';
import type { ProcessStats, TelegramBotStatus, ZeblitPaths } from '../contracts/index.ts';
import type { OpenedDatabase } from '../db/index.ts';
import type { Projects } from '../projects/index.ts';
import type { EventBus } from '../events/index.ts';
import type { ConsoleService } from '../console/index.ts';
import type { Containers } from '../containers/index.ts';
import type { FileService } from '../files/index.ts';
import type { AgentService } from '../agents/index.ts';
import type { LlmService } from '../llm/index.ts';
import type { TelegramConfigStore } from '../telegram/index.ts';
import type { SchedulerService } from '../scheduler/index.ts';
import type { Hub } from './ws/hub.ts';
import type { Backups } from '../backup/index.ts';

export interface ApiConfig {
  allowedOrigins: string[];
  allowedHosts: string[];
  rateLimit: { perSecond: number; burst: number };
  /** Failed authentications an address may make on TCP before its 401s become 429s (default: bursts of 20, then one per 2 s). */
  authFailureLimit?: { perSecond: number; burst: number };
  /** Largest JSON body accepted, in bytes. */
  maxBodyBytes: number;
  /** Largest JSON body under /v1, the OpenAI-compatible API (default 20 MiB: images may be inline). */
  openaiMaxBodyBytes?: number;
  /** Largest file upload (multipart or raw bytes), in bytes. Default 100 MiB. */
  maxUploadBytes?: number;
  /** The built web client (index.html, assets/); default: found beside the bundle (findWebRoot); null: none. */
  webRoot?: string | null;
}

/** Everything the HTTP layer needs, handed in by the composition root (daemon/) or a test. */
export interface AppDeps {
  database: OpenedDatabase;
  auth: Auth;
  projects: Projects;
  audit: Audit;
  bus: EventBus;
  console: ConsoleService;
  containers: Containers;
  files: FileService;
  /** Chat turns, history, approvals, agent status. */
  agents: AgentService;
  /** Models: configuration, calls, usage and budgets. */
  llm: LlmService;
  /** The Telegram bot: its configuration, and the state of the bot process the daemon supervises. */
  telegram: { config: TelegramConfigStore; bot: () => TelegramBotStatus };
  /** Scheduled tasks and their runs. */
  scheduler: SchedulerService;
  /** The WebSocket hub; created over `bus` when not given. */
  hub?: Hub;
  logger: Logger;
  paths: ZeblitPaths;
  /** Backups of this home (GET /backup); made over `database` when not given. */
  backups?: Backups;
  config: ApiConfig;
  startedAt: number;
  now: () => number;
  /** The origin of the daemon's TCP listener (http://127.0.0.1:7823), for sign-in links; null or absent: none. */
  webOrigin?: () => string | null;
  /** The daemon's vital signs for /health (trusted callers); absent in route tests. */
  processStats?: () => ProcessStats;
}
