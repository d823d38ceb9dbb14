import { after, afterEach } from 'node:test';
import { FakeLlm } from './fake-llm.ts';

/**
 * The fake LLM server for one test file: started now, reset after each test
 * (scripts, requests, required key), closed after the file. Awaited at the
 * top of the file, so suites can use its address while they are defined.
 */
export async function useFakeLlm(): Promise<FakeLlm> {
  const fake = await FakeLlm.start();
  afterEach(() => fake.reset());
  after(() => fake.close());
  return fake;
}
