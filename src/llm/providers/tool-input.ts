/**
 * Tool arguments a model wrote that are not a JSON object. Neither vendor
 * promises valid JSON (OpenAI models in particular, and local servers), and
 * Anthropic refuses a tool_use whose input is not an object when the history
 * is sent back. So the adapters never throw on them: the tool use arrives with
 * `input = { _invalid_json: "<the text as written>" }`; the agent loop
 * recognises it with `invalidToolArguments(input)` and answers the tool use
 * with an error result ("your arguments were not valid JSON: …") so the model
 * can try again. Sent back to OpenAI, the original text goes out unchanged.
 */
export const INVALID_JSON_KEY = '_invalid_json';

/** '' (a tool without arguments) → {}; a JSON object → itself; anything else → the marker. */
export function parseToolInput(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v;
  } catch {
    // fall through to the marker
  }
  return { [INVALID_JSON_KEY]: text };
}

/** The text the model wrote when its arguments were not a JSON object, else null. */
export function invalidToolArguments(input: unknown): string | null {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return null;
  const keys = Object.keys(input);
  const raw = (input as Record<string, unknown>)[INVALID_JSON_KEY];
  return keys.length === 1 && typeof raw === 'string' ? raw : null;
}

/** The arguments text to send back to an OpenAI-style API for a tool use. */
export function toolArgumentsText(input: unknown): string {
  return invalidToolArguments(input) ?? JSON.stringify(input ?? {});
}
