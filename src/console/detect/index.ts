/**
 * Error detection in console output: the pattern library, a streaming
 * detector, repeat counting and rule-based analysis. Pure: no I/O, no clock
 * unless given one.
 */
export { ErrorDetector, maxSeverity, type ErrorDetectorOptions, type FlushOptions } from './detector.ts';
export { RepeatTracker, type RecordResult, type RepeatTrackerOptions } from './repeat-tracker.ts';
export { analyze } from './analyze.ts';
export { PATTERNS, npmPackageFor, pipPackageFor } from './patterns/index.ts';
export { EXIT_RULES, type ExitRule } from './exit-codes.ts';
export { fingerprint, normalizeForFingerprint, cleanLine } from './normalize.ts';
export type { BlockDef, PatternDef, FrameSpec, Fields } from './pattern.ts';
export {
  Analysis,
  AnalysisGroup,
  AnalyzeContext,
  DetectExit,
  DetectLine,
  DetectedError,
  ErrorLanguage,
  ErrorRecord,
  ErrorSeverity,
} from './types.ts';
