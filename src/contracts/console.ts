import { z } from 'zod';
import { TurnUsage } from './agents.ts';
import { ConsoleSource, ConsoleStream } from './events.ts';

export const ConsoleLevel = z.enum(['info', 'warning', 'error']);

export const ConsoleEntry = z.object({
  seq: z.number().int(),
  run_id: z.string().nullable(),
  source: ConsoleSource,
  stream: ConsoleStream,
  level: ConsoleLevel,
  text: z.string(),
  time: z.number().int(),
});
export type ConsoleEntry = z.infer<typeof ConsoleEntry>;

export const ConsoleHistoryQuery = z.object({
  since_seq: z.coerce.number().int().min(0).optional().describe('Entries after this seq (oldest first)'),
  before_seq: z.coerce.number().int().min(1).optional().describe('Entries before this seq (newest page first, returned oldest first)'),
  run_id: z.string().max(64).optional(),
  stream: ConsoleStream.optional(),
  source: ConsoleSource.optional(),
  level: ConsoleLevel.optional(),
  q: z.string().min(1).max(200).optional().describe('Substring to look for'),
  limit: z.coerce.number().int().min(1).max(5000).default(200),
});
export type ConsoleHistoryQuery = z.input<typeof ConsoleHistoryQuery>;

export const ConsoleHistory = z.object({
  items: z.array(ConsoleEntry),
  has_more: z.boolean(),
  /** The project's newest console seq: pass it as since_seq to a WebSocket to go on live. */
  last_seq: z.number().int(),
});
export type ConsoleHistory = z.infer<typeof ConsoleHistory>;

export const DetectedErrorInfo = z.object({
  id: z.string(),
  fingerprint: z.string(),
  type: z.string(),
  language: z.string(),
  severity: z.enum(['error', 'warning', 'info']),
  message: z.string(),
  file: z.string().nullable(),
  line: z.number().int().nullable(),
  suggestion: z.string().nullable(),
  run_id: z.string().nullable(),
  raw: z.string(),
  occurrences: z.number().int(),
  first_seen: z.number().int(),
  last_seen: z.number().int(),
});
export type DetectedErrorInfo = z.infer<typeof DetectedErrorInfo>;

export const ErrorsQuery = z.object({
  since: z.coerce.number().int().min(0).optional().describe('Errors last seen at or after this time (UTC ms)'),
  severity: z.enum(['error', 'warning', 'info']).optional(),
  run_id: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type ErrorsQuery = z.input<typeof ErrorsQuery>;

export const AnalyzeRequest = z.strictObject({
  since: z.number().int().min(0).optional(),
  run_id: z.string().max(64).optional(),
  ai: z.boolean().default(false).describe("Add the Engineer agent's explanation (needs an LLM provider: LLM_NOT_CONFIGURED otherwise)"),
});

export const ErrorLanguage = z.enum(['python', 'node', 'typescript', 'shell', 'npm', 'pip', 'system', 'test', 'http', 'browser']);
export type ErrorLanguage = z.infer<typeof ErrorLanguage>;

export const ErrorSeverity = z.enum(['error', 'warning', 'info']);
export type ErrorSeverity = z.infer<typeof ErrorSeverity>;

export const AnalysisGroup = z.object({
  fingerprint: z.string(),
  type: z.string(),
  language: ErrorLanguage,
  severity: ErrorSeverity,
  message: z.string(),
  file: z.string().nullable(),
  line: z.number().int().nullable(),
  occurrences: z.number().int(),
  first_seen: z.number(),
  last_seen: z.number(),
  run_ids: z.array(z.string()).describe('Distinct runs it was seen in (at most 20)'),
  probable_cause: z.string(),
  suggestions: z.array(z.string()),
  raw: z.string(),
});
export type AnalysisGroup = z.infer<typeof AnalysisGroup>;

/** The rule-based part of an analysis (what src/console/detect computes). */
export const AnalysisResult = z.object({
  groups: z.array(AnalysisGroup).describe('Ordered by severity, then occurrences, then last seen'),
  summary: z.object({
    distinct: z.number().int(),
    occurrences: z.number().int(),
    errors: z.number().int(),
    warnings: z.number().int(),
    infos: z.number().int(),
  }),
});
export type AnalysisResult = z.infer<typeof AnalysisResult>;

export const Analysis = AnalysisResult.extend({
  ai_explanation: z.string().nullable().describe("The Engineer's explanation of the groups when ai=true (null when there is nothing to explain)"),
  ai_usage: TurnUsage.nullable().describe('Tokens and cost of that explanation'),
});
export type Analysis = z.infer<typeof Analysis>;

export const ClearResult = z.object({ deleted_lines: z.number().int(), deleted_errors: z.number().int() });
export type ClearResult = z.infer<typeof ClearResult>;
