import assert from 'node:assert/strict';
import type { ProviderName } from '../../contracts/index.ts';
import { ProviderFailure, type ProviderResult } from '../types.ts';

/** The ProviderFailure a provider call ends with, checked: it names `provider` and never holds the API key. */
export async function providerFailure(p: Promise<ProviderResult>, provider: ProviderName, key: string): Promise<ProviderFailure> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ProviderFailure, `expected a ProviderFailure, got ${String(err)}`);
    assert.equal(err.provider, provider);
    assert.ok(!err.message.includes(key), 'the key must never be in a message');
    return err;
  }
  assert.fail('the call succeeded');
}
