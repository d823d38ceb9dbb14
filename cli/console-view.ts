import type { Analysis, ConsoleEntry, DetectedErrorInfo, EventPayload } from '../src/contracts/index.ts';
import { formatTime, plural } from './format.ts';
import { formatTable } from './table.ts';

const RED = '\x1b[31m';
const YELLOW = '\x1b[33m';
const DIM = '\x1b[2m';
const BOLD = '\x1b[1m';
const RESET = '\x1b[0m';

export interface Paint {
  color: boolean;
}

const paint = (p: Paint, code: string, text: string) => (p.color ? `${code}${text}${RESET}` : text);

/** One console line: stderr in red, lines of a detected error in bold red, warnings yellow. */
export function consoleLine(e: Pick<ConsoleEntry, 'stream' | 'text' | 'level'>, p: Paint): string {
  if (e.level === 'error') return `${paint(p, BOLD + RED, e.text)}\n`;
  if (e.level === 'warning') return `${paint(p, YELLOW, e.text)}\n`;
  return `${e.stream === 'stderr' ? paint(p, RED, e.text) : e.text}\n`;
}

export function detectedLine(d: EventPayload<'console.error_detected'>, p: Paint): string {
  const where = d.file ? ` (${d.file}${d.line ? `:${d.line}` : ''})` : '';
  const repeat = d.occurrences > 1 ? ` ×${d.occurrences}` : '';
  const tip = d.suggestion ? `\n  ${paint(p, DIM, `→ ${d.suggestion}`)}` : '';
  return `${paint(p, BOLD + RED, `✖ ${d.type}${repeat}: ${d.message}`)}${where}${tip}\n`;
}

export function errorsTable(errors: DetectedErrorInfo[], width?: number): string {
  if (errors.length === 0) return 'No errors detected.\n';
  const rows = errors.map((e) => [
    e.severity,
    e.type,
    e.occurrences,
    e.file ? `${e.file}${e.line ? `:${e.line}` : ''}` : '',
    formatTime(e.last_seen),
    e.message.length > 70 ? `${e.message.slice(0, 67)}…` : e.message,
  ]);
  const tips = errors.filter((e) => e.suggestion).map((e) => `  ${e.type}: ${e.suggestion}`);
  return `${formatTable(['SEVERITY', 'TYPE', 'COUNT', 'WHERE', 'LAST SEEN', 'MESSAGE'], rows, width)}${tips.length ? `\nSuggestions:\n${[...new Set(tips)].join('\n')}\n` : ''}`;
}

export function analysisText(a: Analysis, p: Paint): string {
  const s = a.summary;
  if (a.groups.length === 0) return 'No errors to analyze.\n';
  const head = `${plural(s.distinct, 'distinct problem')}, ${plural(s.occurrences, 'occurrence')} (${s.errors} errors, ${s.warnings} warnings)\n\n`;
  const groups = a.groups.map((g, i) => {
    const where = g.file ? ` in ${g.file}${g.line ? `:${g.line}` : ''}` : '';
    const lines = [
      paint(p, BOLD, `${i + 1}. [${g.severity}] ${g.type} ×${g.occurrences}${where}`),
      `   ${g.message}`,
      `   Probable cause: ${g.probable_cause}`,
      ...g.suggestions.map((t) => `   → ${t}`),
    ];
    return lines.join('\n');
  });
  const cost = a.ai_usage ? paint(p, DIM, `(Engineer: ${a.ai_usage.input_tokens + a.ai_usage.output_tokens} tokens, $${a.ai_usage.cost_usd.toFixed(4)})\n`) : '';
  const ai = a.ai_explanation ? `\nExplanation:\n${a.ai_explanation}\n${cost}` : '';
  return `${head}${groups.join('\n\n')}\n${ai}`;
}
