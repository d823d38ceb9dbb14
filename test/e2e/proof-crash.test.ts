/**
 * The quick form of proof 2 (scripts/proof/crash.ts): concurrent writes to the
 * built daemon, kill -9 while they are in flight, restart: nothing that was
 * acknowledged is lost, the database passes SQLite's integrity check, the run
 * in flight is no longer "running", no orphan container. The long form (20
 * rounds of 1,000 writes) runs by hand; docs/reliability.md.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCrash, verdict } from '../../scripts/proof/crash.ts';

describe('proof: crash durability (quick form)', () => {
  it('kill -9 during concurrent writes loses nothing acknowledged', async () => {
    const r = await runCrash({ rounds: 3, writes: 300, seed: Number(process.env.ZEBLIT_CRASH_SEED ?? 3), log: () => {} });
    assert.deepEqual(verdict(r, 3), [], [...r.lost, ...r.integrity, ...r.orphanContainers].slice(0, 20).join('\n'));
    assert.ok(r.acknowledged >= 150, `only ${r.acknowledged} writes were acknowledged before the kills`);
  });
});
