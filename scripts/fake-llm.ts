/**
 * Runs the fake LLM server standalone, for trying the agents by hand:
 *
 *   node --import tsx scripts/fake-llm.ts [--port N] [--host H] [--script replies.json] [--quiet]
 *   ANTHROPIC_BASE_URL=http://127.0.0.1:N ANTHROPIC_API_KEY=fake zeblit chat ...
 *
 * --script: a JSON array of replies (the FakeReply shape of
 * src/llm/testing/fake-reply.ts), served in order to either vendor, or an
 * object { "anthropic": [...], "openai": [...], "any": [...] }. When the
 * script runs out (or without one) the demo responder answers: text, or a
 * small tool plan for requests like "write hello.py" (see demo-responder.ts).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { demoResponder } from '../src/llm/testing/demo-responder.ts';
import { FakeLlm, type FakeReply, type FakeRequest } from '../src/llm/testing/fake-llm.ts';

function fail(message: string): never {
  process.stderr.write(`fake-llm: ${message}\n`);
  process.exit(2);
}

function loadScript(file: string): Record<'any' | 'anthropic' | 'openai', FakeReply[]> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    fail(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const replies = (v: unknown, where: string): FakeReply[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || !v.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) fail(`${where} must be an array of reply objects`);
    return v as FakeReply[];
  };
  if (Array.isArray(data)) return { any: replies(data, file), anthropic: [], openai: [] };
  if (typeof data !== 'object' || data === null) fail(`${file} must hold an array of replies or { anthropic, openai, any }`);
  const o = data as Record<string, unknown>;
  const unknownKeys = Object.keys(o).filter((k) => !['any', 'anthropic', 'openai'].includes(k));
  if (unknownKeys.length > 0) fail(`${file}: unknown key(s) ${unknownKeys.join(', ')} (expected any, anthropic, openai)`);
  return { any: replies(o.any, 'any'), anthropic: replies(o.anthropic, 'anthropic'), openai: replies(o.openai, 'openai') };
}

function describe(req: FakeRequest, reply: FakeReply): string {
  const last = req.messages[req.messages.length - 1];
  const said = last?.content.map((b) => (b.type === 'text' ? b.text : b.type === 'tool_result' ? `[result ${b.content.slice(0, 40)}]` : b.type === 'image' ? '[image]' : `[${b.name}]`)).join(' ') ?? '';
  const answer = reply.error ? `error ${reply.error.status}` : [reply.text ?? '', ...(reply.tool_calls ?? []).map((c) => `${c.name}(${JSON.stringify(c.input).slice(0, 60)})`)].join(' ');
  return `${req.vendor} ${req.model}${req.stream ? ' (stream)' : ''}: ${said.slice(0, 80).replace(/\s+/g, ' ')} -> ${answer.slice(0, 120).replace(/\s+/g, ' ')}\n`;
}

const { values } = (() => {
  try {
    return parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' }, script: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
})();
if (values.help) {
  process.stdout.write('usage: node --import tsx scripts/fake-llm.ts [--port N] [--host H] [--script replies.json] [--quiet]\n');
  process.exit(0);
}
const port = values.port === undefined ? 0 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number, not ${values.port}`);

const log = (req: FakeRequest, reply: FakeReply): FakeReply => {
  if (!values.quiet) process.stderr.write(describe(req, reply));
  return reply;
};
const fake = await FakeLlm.start({ port, host: values.host ?? '127.0.0.1' }).catch((err: unknown) => fail(`cannot listen: ${err instanceof Error ? err.message : String(err)}`));
if (values.script) {
  const s = loadScript(values.script);
  for (const vendor of ['any', 'anthropic', 'openai'] as const) fake.script(s[vendor].map((r) => (req: FakeRequest) => log(req, r)), vendor);
}
fake.fallback((req) => log(req, demoResponder(req)));

process.stdout.write(
  [
    `fake LLM listening on ${fake.url}`,
    `  Anthropic: ANTHROPIC_BASE_URL=${fake.anthropicBaseUrl}`,
    `  OpenAI:    OPENAI_BASE_URL=${fake.openaiBaseUrl}`,
    '  any API key is accepted',
    '',
  ].join('\n'),
);
const stop = (): void => {
  void fake.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
