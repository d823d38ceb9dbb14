/**
 * What the model sees each turn: the agent's prompt, a section about the
 * project (tree, README, the files the request is about, recent errors,
 * console, runs and scheduled tasks' results) and the conversation so far, all within one token budget
 * (chars/4). History that no longer fits is replaced by a summary, stored as
 * a 'summary' message so it is computed once, not every turn.
 */
import type { DetectedErrorInfo, Project, TreeNode } from '../contracts/index.ts';
import type { ContentBlock, LlmClient, LlmMessage } from '../llm/index.ts';
import type { ConversationStore, StoredMessage, SummaryMeta } from './store.ts';
import type { ToolServices } from './types.ts';

export const DEFAULT_CONTEXT_BUDGET = 24_000;

/** Tokens, estimated: four characters each. */
export const estimateTokens = (s: string): number => Math.ceil(s.length / 4);

export function messagesTokens(msgs: LlmMessage[]): number {
  let chars = 0;
  for (const m of msgs) for (const b of m.content) chars += blockChars(b);
  return Math.ceil(chars / 4);
}

function blockChars(b: ContentBlock): number {
  if (b.type === 'text') return b.text.length;
  if (b.type === 'tool_result') return b.content.length + 20;
  // An image costs the model about a thousand tokens whatever its text size.
  if (b.type === 'image') return 4_000;
  return JSON.stringify(b.input ?? null).length + b.name.length + 20;
}

const cut = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, Math.max(0, max - 20))}\n… (${s.length - max + 20} more characters)`);

/** Words in a message that look like file paths: `src/app.py`, `main.js`, `docs/`. */
export function pathsIn(message: string): string[] {
  const out = new Set<string>();
  for (const m of message.matchAll(/(?:^|[\s`'"(\[])((?:\.{0,2}\/)?[\w.@-]+(?:\/[\w.@-]+)*\.[A-Za-z0-9]{1,8}|[\w.@-]+(?:\/[\w.@-]+)+\/?)(?=$|[\s`'"),:;\]!?]|\.(?:\s|$))/g)) {
    const p = (m[1] ?? '').replace(/^\/workspace\//, '').replace(/^\.?\//, '').replace(/\/$/, '');
    // Versions (1.2.3), abbreviations (e.g.) and URLs are not paths.
    if (!p || /^\d+(\.\d+)+$/.test(p) || /^[a-z]\.[a-z]$/i.test(p) || p.includes('://') || p.startsWith('..')) continue;
    out.add(p);
  }
  return [...out];
}

export interface ProjectContextOptions {
  /** Tokens this section may use. */
  budgetTokens: number;
  /** The user's request: files it names are shown first. */
  message: string;
}

/** What the section is made of apart from the request: kept between turns until the project changes. */
export interface ProjectSnapshot {
  key: string;
  parts: string[];
  files: Map<string, TreeNode>;
  recent: string[];
  texts: Map<string, string | null>;
}

const RECENT_FILES = 5;
const FILE_MAX_BYTES = 256 * 1024;

/**
 * The project section, built once per turn. Each part has a share of the
 * budget; what a part does not use is left to the files the request names,
 * then the most recently changed ones. `cache` keeps the request-independent
 * part (tree, README, errors, console, runs, recent files) between turns; its
 * owner drops an entry when the project changes (any event but the agents').
 */
export async function projectSection(
  services: ToolServices,
  project: Project,
  opts: ProjectContextOptions,
  cache?: Map<string, ProjectSnapshot>,
): Promise<string> {
  const budgetChars = opts.budgetTokens * 4;
  const key = `${project.updated_at}|${budgetChars}`;
  let snap = cache?.get(project.id);
  if (!snap || snap.key !== key) {
    snap = await snapshot(services, project, budgetChars, key);
    cache?.set(project.id, snap);
  }
  const named = pathsIn(opts.message).filter((p) => snap.files.has(p));
  const missing = named.filter((p) => !snap.texts.has(p) && (snap.files.get(p)?.size ?? 0) <= FILE_MAX_BYTES);
  const extra = new Map(await Promise.all(missing.map(async (p) => [p, await readText(services, project.id, p)] as const)));
  const parts = [...snap.parts];
  let used = parts.reduce((n, p) => n + p.length, 0);
  const shown: string[] = [];
  for (const path of new Set([...named, ...snap.recent])) {
    const text = snap.texts.get(path) ?? extra.get(path);
    const room = budgetChars - used - 200;
    if (room < 400) break;
    if (text === null || text === undefined) continue;
    const block = `## ${path}\n\`\`\`\n${cut(text, Math.min(room, 24_000))}\n\`\`\``;
    shown.push(block);
    used += block.length;
  }
  if (shown.length) parts.push(`## Relevant files\n${shown.join('\n')}`);
  return cut(parts.join('\n\n'), budgetChars);
}

async function snapshot(services: ToolServices, project: Project, budgetChars: number, key: string): Promise<ProjectSnapshot> {
  const parts: string[] = [];
  parts.push(`# Project\nname: ${project.name}\ntemplate: ${project.template}${project.description ? `\ndescription: ${cut(project.description, 500)}` : ''}\nworkspace: /workspace (paths below are relative to it)`);

  let nodes: TreeNode[] = [];
  try {
    const t = services.files.tree(project.id, { depth: 4, max_entries: 400 });
    nodes = flatten(t.root);
    parts.push(`## Workspace (${t.files} files, ${t.dirs} folders${t.truncated ? ', listing cut' : ''})\n${cut(renderTree(t.root), Math.floor(budgetChars * 0.2))}`);
  } catch {
    parts.push('## Workspace\n(unreadable)');
  }
  const files = new Map(nodes.filter((f) => f.type === 'file').map((f) => [f.path, f]));
  const readme = [...files.values()].find((f) => /^readme(\.md|\.txt)?$/i.test(f.path));
  // The README's excerpt is shown anyway; whole only when the request names it.
  const recent = [...files.values()]
    .filter((f) => f.path !== readme?.path && f.size <= FILE_MAX_BYTES)
    .sort((a, b) => b.modified - a.modified)
    .slice(0, RECENT_FILES)
    .map((f) => f.path);
  const [readmeText, ...texts] = await Promise.all([readme ? readText(services, project.id, readme.path) : null, ...recent.map((p) => readText(services, project.id, p))]);
  if (readme && readmeText) parts.push(`## ${readme.path} (excerpt)\n${cut(readmeText, Math.floor(budgetChars * 0.1))}`);

  const errors = safe(() => services.console.store.errors(project.id, { limit: 8 }), [] as DetectedErrorInfo[]);
  if (errors.length) parts.push(`## Recent detected errors\n${errors.map((e) => `- [${e.severity}] ${e.type}: ${cut(e.message, 300)}${e.file ? ` (${e.file}${e.line ? `:${e.line}` : ''})` : ''} ×${e.occurrences}`).join('\n')}`);

  const tail = safe(() => services.console.store.tail(project.id, 30), []);
  if (tail.length) parts.push(`## Console (last ${tail.length} lines)\n${cut(tail.map((l) => `${l.stream === 'stderr' ? '!' : ' '} ${l.text}`).join('\n'), Math.floor(budgetChars * 0.12))}`);

  const runs = safe(() => services.containers.listRuns(project, { limit: 5 }).items, []);
  if (runs.length) parts.push(`## Recent runs\n${runs.map((r) => `- ${r.id} \`${cut(r.command, 200)}\` ${r.status}${r.exit_code === null ? '' : ` exit ${r.exit_code}`}`).join('\n')}`);

  const tasks = safe(() => services.tasks?.recentResults(project.id, 5) ?? [], [] as string[]);
  if (tasks.length) parts.push(`## Scheduled tasks (latest results)\n${tasks.map((t) => `- ${cut(t, 300)}`).join('\n')}`);

  return { key, parts, files, recent, texts: new Map(recent.map((p, i) => [p, texts[i] ?? null])) };
}

async function readText(services: ToolServices, projectId: string, path: string): Promise<string | null> {
  try {
    const f = await services.files.read(projectId, path);
    return f.encoding === 'utf-8' ? f.content : null;
  } catch {
    return null;
  }
}

function safe<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

function flatten(node: TreeNode, out: TreeNode[] = []): TreeNode[] {
  for (const c of node.children ?? []) {
    out.push(c);
    if (c.children) flatten(c, out);
  }
  return out;
}

function renderTree(root: TreeNode): string {
  const lines: string[] = [];
  const walk = (n: TreeNode, depth: number) => {
    for (const c of n.children ?? []) {
      if (c.ignored) {
        lines.push(`${'  '.repeat(depth)}${c.name}/ (ignored)`);
        continue;
      }
      lines.push(`${'  '.repeat(depth)}${c.name}${c.type === 'dir' ? '/' : ` (${c.size} B)`}${c.truncated ? ' …' : ''}`);
      if (c.children) walk(c, depth + 1);
    }
  };
  walk(root, 0);
  return lines.length ? lines.join('\n') : '(empty)';
}

// ---- history ----

/** Tool output of earlier turns is replayed at most this long: the model saw it whole when it mattered. */
const OLD_TOOL_RESULT_CHARS = 4_000;

/** A stored message as model messages (user: its text; assistant: the turn's exchange). */
export function replay(m: StoredMessage): LlmMessage[] {
  const mc = m.model_content;
  if (m.role === 'user') return [{ role: 'user', content: [{ type: 'text', text: m.content }] }];
  if (!Array.isArray(mc) || mc.length === 0) return m.content ? [{ role: 'assistant', content: [{ type: 'text', text: m.content }] }] : [];
  return (mc as LlmMessage[]).map((msg) => ({
    role: msg.role,
    content: msg.content.map((b) => (b.type === 'tool_result' ? { ...b, content: cut(b.content, OLD_TOOL_RESULT_CHARS) } : b)),
  }));
}

/**
 * Makes a message list every provider accepts: starts with a user message,
 * roles alternate (neighbours of one role are merged), every tool_use is
 * answered by a tool_result in the next message (a cancelled turn may have
 * left one unanswered), tool results come first in their message.
 */
export function wellFormed(input: LlmMessage[]): LlmMessage[] {
  const merged: LlmMessage[] = [];
  for (const m of input) {
    if (m.content.length === 0) continue;
    const last = merged.at(-1);
    if (last && last.role === m.role) last.content = [...last.content, ...m.content];
    else merged.push({ role: m.role, content: [...m.content] });
  }
  if (merged[0]?.role === 'assistant') merged.unshift({ role: 'user', content: [{ type: 'text', text: '(continued)' }] });
  const out: LlmMessage[] = [];
  for (let i = 0; i < merged.length; i++) {
    const m = merged[i] as LlmMessage;
    if (m.role === 'user') {
      // Results whose tool_use is not in the previous message would be refused.
      const prev = out.at(-1);
      const asked = new Set(prev?.role === 'assistant' ? prev.content.flatMap((b) => (b.type === 'tool_use' ? [b.id] : [])) : []);
      const results = m.content.filter((b) => b.type === 'tool_result' && asked.has(b.tool_use_id));
      const rest = m.content.filter((b) => b.type !== 'tool_result');
      const answered = new Set(results.map((b) => (b as { tool_use_id: string }).tool_use_id));
      const missing: ContentBlock[] = [...asked].filter((id) => !answered.has(id)).map((id) => ({ type: 'tool_result', tool_use_id: id, content: 'not run: the turn ended first', is_error: true }));
      const content = [...results, ...missing, ...rest];
      out.push({ role: 'user', content: content.length ? content : [{ type: 'text', text: '(continue)' }] });
      continue;
    }
    out.push(m);
    const uses = m.content.flatMap((b) => (b.type === 'tool_use' ? [b.id] : []));
    if (uses.length && merged[i + 1]?.role !== 'user')
      out.push({ role: 'user', content: uses.map((id) => ({ type: 'tool_result', tool_use_id: id, content: 'not run: the turn ended first', is_error: true })) });
  }
  return out;
}

/** Turns of a stored history: a user message and what followed it, up to the next user message. */
function turnsOf(msgs: StoredMessage[]): StoredMessage[][] {
  const turns: StoredMessage[][] = [];
  for (const m of msgs) {
    if (m.role === 'user' || turns.length === 0) turns.push([m]);
    else turns.at(-1)?.push(m);
  }
  return turns;
}

/** A deterministic stand-in for a summary: what was asked, what was answered, cut short. */
export function digest(msgs: StoredMessage[], maxChars = 4_000): string {
  const lines: string[] = [];
  for (const m of msgs) {
    if (m.role === 'summary') lines.push(`Earlier: ${cut(m.content, 1_500)}`);
    else if (m.role === 'user') lines.push(`User asked: ${cut(m.content.replace(/\s+/g, ' '), 300)}`);
    else {
      const files = [...new Set(m.steps.flatMap((s) => s.files_changed))];
      lines.push(`${m.agent ?? 'assistant'} answered${m.status && m.status !== 'completed' ? ` (${m.status})` : ''}: ${cut(m.content.replace(/\s+/g, ' '), 400)}${files.length ? ` [files: ${files.slice(0, 10).join(', ')}]` : ''}`);
    }
  }
  // The newest lines matter most: drop from the front when too long.
  let text = lines.join('\n');
  if (text.length > maxChars) text = `…\n${text.slice(text.length - maxChars)}`;
  return text;
}

export interface HistoryDeps {
  store: ConversationStore;
  llm: LlmClient;
  meta: { project_id: string; conversation_id: string; agent: string; key_id?: string | null; client_type?: string | null };
  signal?: AbortSignal;
  /** Adds the summary call's cost to the turn. */
  onUsage?: (cost: number, usage: { input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_write_tokens: number }) => void;
}

const SUMMARY_SYSTEM =
  'You summarise the earlier part of a conversation between a user and software agents working on a project. Keep: what the user wants, decisions taken, files created or changed, commands run and their outcome, open problems. Plain text, at most 300 words.';

/**
 * The conversation so far as model messages within `budgetTokens`. When it
 * does not fit, the oldest turns (and any earlier summary) are folded into a
 * new summary row; the newest turns stay verbatim.
 */
export async function historyWithin(conversationId: string, budgetTokens: number, deps: HistoryDeps): Promise<LlmMessage[]> {
  const { summary, turns: msgs } = deps.store.forContext(conversationId);
  const turns = turnsOf(msgs).map((t) => ({ msgs: t, replayed: t.flatMap(replay) }));
  const summaryMsgs = (s: string): LlmMessage[] => [
    { role: 'user', content: [{ type: 'text', text: `Summary of the earlier conversation:\n${s}` }] },
    { role: 'assistant', content: [{ type: 'text', text: 'Understood.' }] },
  ];
  const head = summary ? summaryMsgs(summary.content) : [];
  const total = messagesTokens(head) + turns.reduce((n, t) => n + messagesTokens(t.replayed), 0);
  if (total <= budgetTokens) return wellFormed([...head, ...turns.flatMap((t) => t.replayed)]);

  // Keep the newest turns within ~60% of the budget (always the last one), fold the rest.
  const keepBudget = Math.floor(budgetTokens * 0.6);
  let kept = 0;
  let used = 0;
  for (let i = turns.length - 1; i >= 0; i--) {
    const t = messagesTokens((turns[i] as { replayed: LlmMessage[] }).replayed);
    if (kept > 0 && used + t > keepBudget) break;
    used += t;
    kept++;
  }
  const folded = turns.slice(0, turns.length - kept);
  const keptTurns = turns.slice(turns.length - kept);
  // One turn alone larger than the budget (many big tool calls): its tool inputs and outputs are cut shorter.
  if (used > keepBudget) for (const t of keptTurns) t.replayed = shrink(t.replayed, keepBudget);
  if (folded.length === 0) return wellFormed([...head, ...keptTurns.flatMap((t) => t.replayed)]);

  const foldedMsgs = [...(summary ? [summary] : []), ...folded.flatMap((t) => t.msgs)];
  const uptoSeq = Math.max(...folded.flatMap((t) => t.msgs.map((m) => m.seq)));
  const text = await summarise(foldedMsgs, Math.floor(budgetTokens * 0.15) * 4, deps);
  const meta: SummaryMeta = { upto_seq: uptoSeq };
  deps.store.append({ conversationId, role: 'summary', agent: null, content: text, modelContent: meta });
  return wellFormed([...summaryMsgs(text), ...keptTurns.flatMap((t) => t.replayed)]);
}

/** Cuts tool results and long strings in tool inputs, harder each round, until the messages fit `budgetTokens`. */
function shrink(msgs: LlmMessage[], budgetTokens: number): LlmMessage[] {
  let out = msgs;
  for (const max of [1_000, 300, 80]) {
    if (messagesTokens(out) <= budgetTokens) break;
    out = msgs.map((m) => ({
      role: m.role,
      content: m.content.map((b): ContentBlock => {
        if (b.type === 'tool_result') return { ...b, content: cut(b.content, max) };
        if (b.type === 'tool_use') return { ...b, input: cutStrings(b.input, max) };
        return b;
      }),
    }));
  }
  return out;
}

function cutStrings(v: unknown, max: number): unknown {
  if (typeof v === 'string') return cut(v, max);
  if (Array.isArray(v)) return v.map((x) => cutStrings(x, max));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cutStrings(x, max)]));
  return v;
}

async function summarise(msgs: StoredMessage[], maxChars: number, deps: HistoryDeps): Promise<string> {
  const source = digest(msgs, 24_000);
  try {
    const res = await deps.llm.complete({
      system: SUMMARY_SYSTEM,
      messages: [{ role: 'user', content: [{ type: 'text', text: source }] }],
      tools: [],
      max_tokens: 800,
      meta: deps.meta,
      signal: deps.signal,
    });
    deps.onUsage?.(res.cost_usd, res.usage);
    const text = res.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('').trim();
    if (text) return cut(text, maxChars);
  } catch {
    // A summary is a convenience: the digest below keeps the turn going.
  }
  return digest(msgs, maxChars);
}
