import { causeFor } from './analysis-rules.ts';
import type { Analysis, AnalysisGroup, AnalyzeContext, DetectedError, ErrorRecord, ErrorSeverity } from './types.ts';

const RANK: Record<ErrorSeverity, number> = { error: 0, warning: 1, info: 2 };
const MAX_RUN_IDS = 20;

type Input = DetectedError | ErrorRecord;

function isRecord(e: Input): e is ErrorRecord {
  return 'occurrences' in e;
}

interface Acc {
  latest: Input;
  latestAt: number;
  occurrences: number;
  first_seen: number;
  last_seen: number;
  runs: Set<string>;
}

/**
 * Rule-based analysis for POST /console/analyze: errors (raw detections or
 * stored records, mixed) grouped by fingerprint with their counts, a probable
 * cause and suggestions, most severe first, then most frequent, then latest.
 */
export function analyze(errors: readonly Input[], ctx: AnalyzeContext = {}): Analysis {
  const acc = new Map<string, Acc>();
  for (const e of errors) {
    const n = isRecord(e) ? e.occurrences : 1;
    const first = isRecord(e) ? e.first_seen : e.time;
    const last = isRecord(e) ? e.last_seen : e.time;
    const a = acc.get(e.fingerprint);
    if (!a) {
      acc.set(e.fingerprint, { latest: e, latestAt: last, occurrences: n, first_seen: first, last_seen: last, runs: new Set(e.run_id ? [e.run_id] : []) });
      continue;
    }
    a.occurrences += n;
    a.first_seen = Math.min(a.first_seen, first);
    a.last_seen = Math.max(a.last_seen, last);
    if (e.run_id && a.runs.size < MAX_RUN_IDS) a.runs.add(e.run_id);
    if (last >= a.latestAt) {
      a.latest = e;
      a.latestAt = last;
    }
  }
  // Some causes depend on what else happened (no PyPI access explains "no matching distribution").
  const types = new Set([...acc.values()].map((a) => a.latest.type));
  const groups: AnalysisGroup[] = [...acc.values()].map((a) => {
    const e = a.latest;
    const { cause, suggestions } = causeFor(e, ctx, types);
    const all = [...suggestions, ...(e.suggestion ? [e.suggestion] : [])];
    return {
      fingerprint: e.fingerprint,
      type: e.type,
      language: e.language,
      severity: e.severity,
      message: e.message,
      file: e.file,
      line: e.line,
      occurrences: a.occurrences,
      first_seen: a.first_seen,
      last_seen: a.last_seen,
      run_ids: [...a.runs],
      probable_cause: cause,
      suggestions: [...new Set(all)],
      raw: e.raw,
    };
  });
  groups.sort((x, y) => RANK[x.severity] - RANK[y.severity] || y.occurrences - x.occurrences || y.last_seen - x.last_seen);
  return {
    groups,
    summary: {
      distinct: groups.length,
      occurrences: groups.reduce((n, g) => n + g.occurrences, 0),
      errors: groups.filter((g) => g.severity === 'error').length,
      warnings: groups.filter((g) => g.severity === 'warning').length,
      infos: groups.filter((g) => g.severity === 'info').length,
    },
  };
}
