/**
 * Proof 5 (scripts/proof/security.ts) runs whole in `npm test`: every route of
 * the OpenAPI document and every WebSocket path refused without a good
 * credential, a foreign Host or Origin; the home's permissions; the container
 * profile; escape attempts from inside a container; no secret in plaintext.
 * It needs the Docker engine (the escapes run in a real container).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSecurity } from '../../scripts/proof/security.ts';

describe('proof: the security suite', () => {
  it('every check holds', async () => {
    const lines: string[] = [];
    const r = await runSecurity((l) => lines.push(l));
    assert.deepEqual(r.failures, [], `failed checks:\n${r.failures.slice(0, 40).join('\n')}`);
    assert.ok(r.checks >= 500, `only ${r.checks} checks ran:\n${lines.join('\n')}`);
  });
});
