import { useEffect, useState } from 'preact/hooks';
import type { AgentName, Project } from '../../src/contracts/index.ts';
import { describeError } from '../api/http.ts';
import { useServices } from '../shell/context.ts';
import { ErrorNote } from '../shell/error-note.tsx';
import { usd } from '../shell/format.ts';
import { useAsync } from '../shell/use-async.ts';
import { ChatItem } from './chat-item.tsx';
import { apply, fromMessage, type Item } from './turn.ts';

/** Chat with the agents: the conversation's history, then each new turn streamed step by step (text, tools, runs, approvals, cost). */
export function ChatView({ project }: { project: Project }) {
  const { client } = useServices();
  const agents = useAsync(() => client.agents.definitions(), []);
  const conversations = useAsync(() => client.agents.conversations(project.id), [project.id]);
  const [conversation, setConversation] = useState<string | null>(null);
  const [agent, setAgent] = useState<AgentName | ''>('');
  const [items, setItems] = useState<Item[]>([]);
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!conversation) return setItems([]);
    if (busy) return;
    client.agents.conversation(project.id, conversation).then(
      (c) => setItems(c.messages.flatMap(fromMessage)),
      (e: unknown) => setError(describeError(e)),
    );
  }, [conversation]);

  const send = async (e: Event) => {
    e.preventDefault();
    const text = message.trim();
    if (!text || busy) return;
    setBusy(true);
    setError(null);
    setMessage('');
    setItems((i) => [...i, { kind: 'user', text }]);
    try {
      await client.agents.stream(project.id, { message: text, ...(conversation ? { conversation_id: conversation } : {}), ...(agent ? { agent } : {}) }, (r) => {
        if (r.type === 'start') setConversation(r.conversation_id);
        setItems((i) => apply(i, r));
      });
      conversations.reload();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const decide = async (id: string, decision: 'approve' | 'deny') => {
    try {
      await client.agents.decide(project.id, id, decision);
      setItems((list) => list.map((i) => (i.kind === 'approval' && i.id === id ? { ...i, decided: decision === 'approve' ? 'approved' : 'denied' } : i)));
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <div class="chat-layout">
      <aside class="conversations" aria-label="Conversations">
        <button type="button" onClick={() => setConversation(null)} aria-pressed={conversation === null}>
          New conversation
        </button>
        <ul role="list">
          {conversations.data?.items.map((c) => (
            <li key={c.id}>
              <button type="button" class="link" aria-pressed={conversation === c.id} onClick={() => setConversation(c.id)}>
                {c.title || c.id} <span class="muted small">{usd(c.cost_usd)}</span>
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <section class="chat" aria-labelledby="chat-title">
        <h2 id="chat-title">Chat</h2>
        <div class="turns" role="log" aria-live="polite" aria-label="Conversation">
          {items.length === 0 && <p class="muted">Ask the agents for something: “Write hello.py that prints hello”.</p>}
          {items.map((item, n) => (
            <ChatItem key={n} item={item} onDecide={(id, d) => void decide(id, d)} />
          ))}
          {busy && (
            <p class="muted" role="status">
              Working…
            </p>
          )}
        </div>
        <ErrorNote error={error ?? agents.error} />
        <form class="compose" onSubmit={(e) => void send(e)}>
          <label class="grow">
            Message
            <textarea
              value={message}
              rows={3}
              onInput={(e) => setMessage(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void send(e);
              }}
            />
          </label>
          <label>
            Agent
            <select value={agent} onChange={(e) => setAgent(e.currentTarget.value as AgentName | '')}>
              <option value="">Default (Dev Manager)</option>
              {agents.data?.map((a) => (
                <option key={a.name} value={a.name}>
                  {a.title}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" class="primary" disabled={busy}>
            Send
          </button>
        </form>
      </section>
    </div>
  );
}
