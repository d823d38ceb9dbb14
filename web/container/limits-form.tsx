import { useState } from 'preact/hooks';
import type { Project, ProjectSettings } from '../../src/contracts/index.ts';
import { describeError } from '../api/http.ts';
import { useServices } from '../shell/context.ts';
import { ErrorNote } from '../shell/error-note.tsx';

/**
 * Resource limits are project settings (PUT /projects/{id}); the daemon checks them and a restart applies them.
 * Only the fields changed here are sent: a setting changed elsewhere since this page loaded (the CLI, an agent)
 * keeps its value.
 */
export function LimitsForm({ project, onSaved }: { project: Project; onSaved(): void }) {
  const { client } = useServices();
  const s = project.settings;
  const [cpus, setCpus] = useState(String(s.cpus));
  const [memory, setMemory] = useState(String(s.memory_mb));
  const [pids, setPids] = useState(String(s.pids));
  const [idle, setIdle] = useState(String(s.idle_timeout_minutes));
  const [network, setNetwork] = useState(s.network);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setSaved(null);
    const form: Partial<ProjectSettings> = { cpus: Number(cpus), memory_mb: Number(memory), pids: Number(pids), idle_timeout_minutes: Number(idle), network };
    const changed = Object.fromEntries(Object.entries(form).filter(([k, v]) => s[k as keyof ProjectSettings] !== v)) as Partial<ProjectSettings>;
    if (Object.keys(changed).length === 0) return setSaved('Nothing changed.');
    try {
      await client.projects.update(project.id, { settings: changed });
      setSaved('Saved. Restart the container to apply them.');
      onSaved();
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <form class="limits" onSubmit={(e) => void submit(e)} aria-labelledby="limits-title">
      <h3 id="limits-title">Resource limits</h3>
      <div class="row">
        <label>
          CPUs
          <input type="number" step="0.1" min="0.1" value={cpus} onInput={(e) => setCpus(e.currentTarget.value)} />
        </label>
        <label>
          Memory (MiB)
          <input type="number" min="64" value={memory} onInput={(e) => setMemory(e.currentTarget.value)} />
        </label>
        <label>
          Processes
          <input type="number" min="16" value={pids} onInput={(e) => setPids(e.currentTarget.value)} />
        </label>
        <label>
          Idle stop (min, 0 = never)
          <input type="number" min="0" value={idle} onInput={(e) => setIdle(e.currentTarget.value)} />
        </label>
        <label>
          Network
          <select value={network} onChange={(e) => setNetwork(e.currentTarget.value as 'bridge' | 'none')}>
            <option value="bridge">bridge</option>
            <option value="none">none</option>
          </select>
        </label>
      </div>
      <button type="submit">Save limits</button>
      {saved && (
        <p class="muted small" role="status">
          {saved}
        </p>
      )}
      <ErrorNote error={error} />
    </form>
  );
}
