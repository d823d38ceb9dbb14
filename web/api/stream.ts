/**
 * Reads a streamed answer (server-sent events or NDJSON) record by record as
 * it arrives, with fetch's body reader: chat turns and command runs.
 */
import { SseParser } from '../../src/client/sse.ts';

export async function readRecords<T>(res: Response, format: 'sse' | 'ndjson', onRecord: (record: T) => void): Promise<void> {
  if (!res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let partial = '';
  const sse = new SseParser((m) => onRecord(JSON.parse(m.data) as T));
  const push = (text: string) => {
    if (format === 'sse') return sse.push(text);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onRecord(JSON.parse(line) as T);
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    push(value);
  }
  if (format === 'sse') sse.end();
  else if (partial.trim()) onRecord(JSON.parse(partial) as T);
}
