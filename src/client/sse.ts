/** One server-sent event: its `event:` name and its `data:` lines joined. */
export interface SseMessage {
  event: string;
  data: string;
}

/**
 * Splits a text/event-stream into messages as bytes arrive (the format of
 * https://html.spec.whatwg.org/multipage/server-sent-events.html: fields until
 * a blank line; `:` lines are comments; CRLF, CR or LF end a line).
 */
export class SseParser {
  private partial = '';
  private event = '';
  private data: string[] = [];

  constructor(private readonly onMessage: (m: SseMessage) => void) {}

  push(text: string): void {
    const lines = (this.partial + text).split(/\r\n|\r|\n/);
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  /** The end of the stream: a message without its blank line is still delivered. */
  end(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
    this.line('');
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.onMessage({ event: this.event || 'message', data: this.data.join('\n') });
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}

