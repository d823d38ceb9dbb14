import { useState } from 'preact/hooks';
import type { Project } from '../../src/contracts/index.ts';
import { describeError } from '../api/http.ts';
import { useServices } from '../shell/context.ts';

/** Runs a command in the project's container (sh -c, in /workspace); its output comes back on the console. */
export function RunForm({ project, onError }: { project: Project; onError(message: string | null): void }) {
  const { client } = useServices();
  const [command, setCommand] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!command.trim()) return;
    setBusy(true);
    onError(null);
    try {
      await client.containers.run(project.id, command);
      setCommand('');
    } catch (err) {
      onError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="run" onSubmit={(e) => void submit(e)}>
      <label>
        Command
        <input value={command} onInput={(e) => setCommand(e.currentTarget.value)} placeholder="python3 main.py" autoComplete="off" spellcheck={false} />
      </label>
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Starting…' : 'Run'}
      </button>
    </form>
  );
}
