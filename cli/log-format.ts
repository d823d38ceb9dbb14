/**
 * Pino JSON lines made readable: `2025-01-02 10:00:00.123 INFO  message key=value`.
 * A line that is not JSON is printed as it is.
 */
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);

function levelName(level: unknown): string {
  if (typeof level === 'number') return LEVELS[level] ?? String(level);
  return typeof level === 'string' ? level.toUpperCase() : '?';
}

function timeText(time: unknown): string {
  const d = typeof time === 'number' || typeof time === 'string' ? new Date(time) : undefined;
  if (!d || Number.isNaN(d.getTime())) return '-';
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

function valueText(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

export function formatLogLine(line: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return line;
  const e = entry as Record<string, unknown>;
  const parts = [timeText(e.time), levelName(e.level).padEnd(5)];
  if (typeof e.msg === 'string' && e.msg) parts.push(e.msg);
  let stack = '';
  for (const [k, v] of Object.entries(e)) {
    if (HIDDEN.has(k) || v === undefined) continue;
    if (k === 'err' && typeof v === 'object' && v !== null) {
      const err = v as Record<string, unknown>;
      parts.push(`err=${valueText(err.message ?? err.type ?? 'error')}`);
      if (typeof err.stack === 'string') stack = `\n${err.stack.replace(/^/gm, '    ')}`;
      continue;
    }
    parts.push(`${k}=${valueText(v)}`);
  }
  return parts.join(' ') + stack;
}
