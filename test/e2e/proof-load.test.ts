/**
 * The quick form of proof 3 (scripts/proof/load.ts): mixed reads, writes and
 * commands over TCP against the built daemon while WebSocket clients follow
 * the consoles: no error, no non-2xx answer, no client dropped. The 60 s form
 * and the 30-minute soak run by hand; docs/reliability.md.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runLoad, summary, verdict } from '../../scripts/proof/load.ts';

describe('proof: load (quick form)', () => {
  it('10 s of mixed load with 20 console followers: no errors, nobody dropped', async () => {
    const r = await runLoad({ durationSeconds: 10, connections: 8, wsClients: 20, projects: 3, sampleEverySeconds: 2, log: () => {} });
    assert.deepEqual(verdict(r), [], summary(r).join('\n'));
    assert.ok(r.requests > 100, `only ${r.requests} requests in 10 s`);
  });
});
