/**
 * The quick form of proof 1 (scripts/proof/fuzz.ts): requests generated from
 * the OpenAPI document to every route over both listeners of the built
 * daemon. No answer may be a 5xx or break the documented contract. The long
 * form (10,000+ requests and the RSS check) runs by hand; docs/reliability.md.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFuzz } from '../../scripts/proof/fuzz.ts';

describe('proof: fuzzing from the OpenAPI document (quick form)', () => {
  it('every generated request gets a documented answer, none a 5xx', async () => {
    const lines: string[] = [];
    const r = await runFuzz({ requests: 1_500, seed: Number(process.env.ZEBLIT_FUZZ_SEED ?? 7), concurrency: 8, checkRss: false, log: (l) => lines.push(l) });
    const fives = Object.entries(r.byStatus).filter(([s]) => Number(s) >= 500);
    assert.deepEqual(fives, [], `5xx answers: ${JSON.stringify(fives)}`);
    assert.deepEqual(r.failures, [], `contract broken:\n${r.failures.slice(0, 20).join('\n')}`);
    assert.ok(r.sent >= 1_500, `only ${r.sent} requests were answered`);
    assert.ok(r.routes >= 60, `only ${r.routes} operations were found in the OpenAPI document`);
    assert.deepEqual(r.daemonErrors, [], 'the daemon logged errors');
  });
});
