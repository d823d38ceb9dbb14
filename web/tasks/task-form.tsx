import { useEffect, useState } from 'preact/hooks';
import type { Project, ScheduleValidation } from '../../src/contracts/index.ts';
import { describeError } from '../api/http.ts';
import { useServices } from '../shell/context.ts';
import { ErrorNote } from '../shell/error-note.tsx';

/**
 * A new scheduled task of this project: a command (`sh -c` in /workspace) or
 * an agent's turn, on a cron schedule, a nickname (@hourly) or once at a time.
 * The schedule is checked by the daemon as it is typed (validate-schedule):
 * the form shows it in words with the next runs, or what is wrong with it.
 */
export function TaskForm({ project, onCreated }: { project: Project; onCreated(): void }) {
  const { client } = useServices();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'command' | 'agent'>('command');
  const [command, setCommand] = useState('');
  const [prompt, setPrompt] = useState('');
  const [schedule, setSchedule] = useState('*/5 * * * *');
  const [check, setCheck] = useState<ScheduleValidation | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // Checked as it is typed: once typing pauses, and only the answer for the latest text is shown.
  useEffect(() => {
    if (!schedule.trim()) return setCheck(null);
    let live = true;
    const timer = setTimeout(() => {
      client.scheduler.validate({ schedule, count: 3 }).then(
        (c) => live && setCheck(c),
        (e: unknown) => live && setError(describeError(e)),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [schedule]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const what = kind === 'command' ? { command } : { agent: 'engineer' as const, prompt };
      await client.scheduler.create({ project_id: project.id, name: name.trim(), schedule: schedule.trim(), ...what });
      setName('');
      setCommand('');
      setPrompt('');
      onCreated();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="task-form" onSubmit={(e) => void submit(e)} aria-labelledby="task-form-title">
      <h3 id="task-form-title">New scheduled task</h3>
      <div class="row">
        <label>
          Task name
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required autoComplete="off" placeholder="nightly-tests" />
        </label>
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value as 'command' | 'agent')}>
            <option value="command">command</option>
            <option value="agent">agent (engineer)</option>
          </select>
        </label>
        <label>
          Schedule
          <input value={schedule} onInput={(e) => setSchedule(e.currentTarget.value)} required autoComplete="off" spellcheck={false} aria-describedby="schedule-check" />
        </label>
      </div>
      {kind === 'command' ? (
        <label>
          Task command
          <input value={command} onInput={(e) => setCommand(e.currentTarget.value)} required autoComplete="off" spellcheck={false} placeholder="python3 -m pytest" />
        </label>
      ) : (
        <label>
          Prompt
          <textarea value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)} required rows={2} placeholder="Run the tests and fix what fails" />
        </label>
      )}
      <p id="schedule-check" class="muted small" role="status">
        {check === null
          ? 'Cron (minute hour day month weekday), @hourly / @daily…, or a time for once (2030-01-31T09:00).'
          : check.is_valid
            ? `${check.description ?? ''}. Next: ${check.next_runs.map((r) => new Date(r.at).toLocaleString()).join(', ') || 'none'}.`
            : `Not a schedule: ${check.error?.message ?? 'invalid'}`}
      </p>
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Scheduling…' : 'Schedule'}
      </button>
      <ErrorNote error={error} />
    </form>
  );
}
