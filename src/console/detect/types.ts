import { z } from 'zod';
import { ConsoleStream, ErrorLanguage, ErrorSeverity, TemplateName } from '../../contracts/index.ts';

/**
 * The shapes of error detection, schema first: each zod value is also the
 * type of the same name, so routes can reuse them for validation and OpenAPI.
 */

// The analysis shapes are API contracts: declared once there, re-exported here under the module's names.
export { AnalysisGroup, AnalysisResult as Analysis, ErrorLanguage, ErrorSeverity } from '../../contracts/index.ts';

/** One console line as the capture hands it over: already split, without its newline. */
export const DetectLine = z.object({
  text: z.string(),
  stream: ConsoleStream,
  run_id: z.string().nullable(),
  time: z.number().describe('epoch ms'),
});
export type DetectLine = z.infer<typeof DetectLine>;

/** How a run ended; lets the detector explain exit codes 126/127/134/137/139 that printed nothing recognisable. */
export const DetectExit = z.object({
  run_id: z.string().nullable(),
  exit_code: z.number().int().nullable(),
  oom_killed: z.boolean().optional().describe('Docker State.OOMKilled, when known'),
  time: z.number().optional(),
});
export type DetectExit = z.infer<typeof DetectExit>;

export const DetectedError = z.object({
  fingerprint: z.string().describe('FNV-1a 64 of type + normalised message + normalised file; stable across runs'),
  pattern_id: z.string(),
  type: z.string(),
  language: ErrorLanguage,
  severity: ErrorSeverity,
  message: z.string(),
  file: z.string().nullable(),
  line: z.number().int().nullable(),
  suggestion: z.string().nullable(),
  run_id: z.string().nullable(),
  stream: ConsoleStream.nullable().describe('null for detections made from an exit code'),
  time: z.number().describe('time of the first line of the error'),
  first_line_text: z.string(),
  raw: z.string().describe('the grouped lines joined with \\n, capped'),
});
export type DetectedError = z.infer<typeof DetectedError>;

/** One distinct error (by fingerprint) with its repeats counted: the shape of a detected_errors row. */
export const ErrorRecord = DetectedError.omit({ stream: true, time: true, first_line_text: true }).extend({
  occurrences: z.number().int().positive(),
  first_seen: z.number(),
  last_seen: z.number(),
});
export type ErrorRecord = z.infer<typeof ErrorRecord>;

export const AnalyzeContext = z.object({
  template: TemplateName.nullable().optional().describe("the project's template: picks the package manager in suggestions"),
  memory_mb: z.number().int().positive().optional().describe("the project's memory limit, quoted in OOM advice"),
});
export type AnalyzeContext = z.infer<typeof AnalyzeContext>;
