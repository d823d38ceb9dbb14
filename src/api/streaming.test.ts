import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SseParser, type SseMessage } from '../client/index.ts';
import { recordStream } from './streaming.ts';

describe('record streams', () => {
  it('SSE: records as events, keep-alives as comments a reader skips', async () => {
    const s = recordStream<{ type: string; n: number }>('sse');
    s.send({ type: 'text', n: 1 });
    s.keepAlive();
    s.send({ type: 'done', n: 2 });
    s.end();
    s.keepAlive(); // after the end: nothing, no throw
    const text = await s.response.text();
    assert.equal(text, 'event: text\ndata: {"type":"text","n":1}\n\n: keep-alive\n\nevent: done\ndata: {"type":"done","n":2}\n\n');
    const got: SseMessage[] = [];
    const p = new SseParser((m) => got.push(m));
    p.push(text);
    p.end();
    assert.deepEqual(got.map((m) => [m.event, JSON.parse(m.data).n]), [['text', 1], ['done', 2]]);
  });

  it('NDJSON: a keep-alive is an empty line', async () => {
    const s = recordStream<{ type: string }>('ndjson');
    s.send({ type: 'a' });
    s.keepAlive();
    s.end();
    assert.equal(await s.response.text(), '{"type":"a"}\n\n');
  });
});
