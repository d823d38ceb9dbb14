/**
 * A responder for trying the agents by hand against the fake server (see
 * scripts/fake-llm.ts): it reads the latest user request and, when the tools
 * are offered, works through a small plausible plan, one tool call per turn:
 *
 *   "write hello.py"   write_file → run_command → finish
 *   "read app.js"      read_file → finish
 *   "list files"       list_files → finish
 *   "run npm test"     run_command → finish
 *   "search TODO"      search → finish
 *   anything else      a text answer (and finish, when offered)
 *
 * An agent offered `delegate` but not the plan's tools delegates the task to
 * the engineer instead.
 * Without tools it answers in text. It never calls a tool it was not offered.
 */
import type { LlmMessage } from '../types.ts';
import type { FakeReply, FakeRequest } from './fake-reply.ts';

type Step = { name: string; input: Record<string, unknown>; say: string };

const SAMPLES: Record<string, (file: string) => string> = {
  py: () => 'print("Hello, world!")\n',
  js: () => 'console.log("Hello, world!");\n',
  mjs: () => 'console.log("Hello, world!");\n',
  ts: () => 'console.log("Hello, world!");\n',
  sh: () => '#!/bin/sh\necho "Hello, world!"\n',
  html: () => '<!doctype html>\n<html><body><h1>Hello, world!</h1></body></html>\n',
  md: (file) => `# ${file}\n\nHello, world!\n`,
};
const RUNNERS: Record<string, (file: string) => string> = {
  py: (f) => `python3 ${f}`,
  js: (f) => `node ${f}`,
  mjs: (f) => `node ${f}`,
  sh: (f) => `sh ${f}`,
};

/** The text of the latest user message that is not only tool results: the task in hand. */
function task(messages: LlmMessage[]): { text: string; at: number } {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role !== 'user') continue;
    const text = m.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('\n').trim();
    if (text !== '') return { text, at: i };
  }
  return { text: '', at: 0 };
}

function planFor(text: string): Step[] {
  const file = /\b(?:write|create|make|add)\s+(?:a\s+|the\s+)?(?:file\s+)?(?:called\s+|named\s+)?([\w./-]+\.(\w+))\b/i.exec(text);
  if (file) {
    const [, path, ext] = file as unknown as [string, string, string];
    const content = (SAMPLES[ext.toLowerCase()] ?? (() => 'hello\n'))(path);
    const steps: Step[] = [{ name: 'write_file', input: { path, content }, say: `I'll create ${path}.` }];
    const runner = RUNNERS[ext.toLowerCase()];
    if (runner) steps.push({ name: 'run_command', input: { command: runner(path) }, say: `Now let me run it.` });
    return steps;
  }
  const read = /\b(?:read|show|open|cat)\s+([\w./-]+\.\w+)/i.exec(text);
  if (read) return [{ name: 'read_file', input: { path: read[1] }, say: `Let me read ${read[1]}.` }];
  const run = /\brun\s+[`'"]?([^`'"\n]+?)[`'"]?\s*$/im.exec(text);
  if (run) return [{ name: 'run_command', input: { command: run[1]!.trim() }, say: `Running \`${run[1]!.trim()}\`.` }];
  const search = /\b(?:search|grep|find)\s+(?:for\s+)?[`'"]?([^`'"\n]+?)[`'"]?\s*$/im.exec(text);
  if (search) return [{ name: 'search', input: { query: search[1]!.trim() }, say: `Searching for "${search[1]!.trim()}".` }];
  if (/\b(list|files|ls)\b/i.test(text)) return [{ name: 'list_files', input: {}, say: 'Let me look at the project files.' }];
  return [];
}

export function demoResponder(req: FakeRequest): FakeReply {
  const { text, at } = task(req.messages);
  if (req.tools.length === 0) return { text: text === '' ? 'Hello from the fake LLM.' : `(fake LLM) You said: ${text.slice(0, 200)}` };

  const since = req.messages.slice(at + 1);
  const lastAssistant = [...since].reverse().find((m) => m.role === 'assistant');
  if (lastAssistant?.content.some((b) => b.type === 'tool_use' && b.name === 'finish')) return { text: 'Done.' };

  const planned = planFor(text);
  // A lead without the tools (dev_manager) hands the whole task to the engineer.
  const steps =
    planned.length > 0 && !planned.every((s) => req.tools.includes(s.name)) && req.tools.includes('delegate')
      ? [{ name: 'delegate', input: { agent: 'engineer', task: text }, say: 'I will ask the engineer to do this.' }]
      : planned.filter((s) => req.tools.includes(s.name));
  const done = since.filter((m) => m.role === 'assistant' && m.content.some((b) => b.type === 'tool_use')).length;
  const step = steps[done];
  if (step) return { text: step.say, tool_calls: [{ name: step.name, input: step.input }] };

  const results = since.flatMap((m) => m.content.flatMap((b) => (b.type === 'tool_result' ? [b] : [])));
  const failed = results.filter((r) => r.is_error);
  const summary =
    steps.length === 0
      ? `(fake LLM) I have no plan for "${text.slice(0, 120)}"; try "write hello.py", "read app.js", "list files" or "run ls".`
      : failed.length > 0
        ? `Finished with ${failed.length} failed step(s): ${failed[0]!.content.slice(0, 200)}`
        : `Done: ${steps.map((s) => s.name).join(', ')}.${results.length > 0 ? ` Last result: ${results[results.length - 1]!.content.split('\n')[0]!.slice(0, 120)}` : ''}`;
  if (req.tools.includes('finish')) return { text: 'All done.', tool_calls: [{ name: 'finish', input: { summary } }] };
  return { text: summary };
}
