import { gitOutcome } from '../../src/contracts/git-outcome.ts';
import { tokens, usd } from '../shell/format.ts';
import type { Item } from './turn.ts';

const brief = (input: unknown): string => {
  if (input && typeof input === 'object') {
    const o = input as Record<string, unknown>;
    for (const k of ['path', 'command', 'query', 'agent']) if (typeof o[k] === 'string') return o[k];
  }
  return JSON.stringify(input).slice(0, 120);
};

export function ChatItem({ item, onDecide }: { item: Item; onDecide(id: string, decision: 'approve' | 'deny'): void }) {
  switch (item.kind) {
    case 'user':
      return <div class="msg user">{item.text}</div>;
    case 'text':
      return (
        <div class="msg agent">
          <span class="who">{item.agent}</span>
          <p>{item.text}</p>
        </div>
      );
    case 'tool':
      return (
        <details class={`step ${item.result ? (item.result.ok ? 'ok' : 'failed') : 'pending'}`}>
          <summary>
            → {item.agent} {item.tool} {brief(item.input)} {item.result ? (item.result.ok ? '✓' : '✗') : '…'}
          </summary>
          {item.result && <pre>{item.result.output}</pre>}
        </details>
      );
    case 'run':
      return <pre class="run-output" aria-label={`Output of ${item.runId}`}>{item.text}</pre>;
    case 'approval':
      return (
        <div class="approval" role="group" aria-label="Approval needed">
          <p>
            <strong>{item.agent}</strong> asks to {item.tool}: <code>{brief(item.input)}</code>
          </p>
          <p class="muted small">{item.reason}</p>
          {item.decided ? (
            <p>{item.decided}</p>
          ) : (
            <div class="actions">
              <button type="button" class="primary" onClick={() => onDecide(item.id, 'approve')}>
                Approve
              </button>
              <button type="button" class="danger" onClick={() => onDecide(item.id, 'deny')}>
                Deny
              </button>
            </div>
          )}
        </div>
      );
    case 'done': {
      const r = item.response;
      const git = gitOutcome(r);
      return (
        <p class="turn-footer">
          {r.status} · {tokens(r.usage.input_tokens)} in / {tokens(r.usage.output_tokens)} out tokens · <strong class="cost">{usd(r.usage.cost_usd)}</strong> · {r.usage.calls} calls
          {r.files_changed.length > 0 && ` · changed ${r.files_changed.join(', ')}`}
          {git && ` · ${git.text}`}
        </p>
      );
    }
    case 'error':
      return (
        <p class="error-note" role="alert">
          {item.message}
        </p>
      );
  }
}
