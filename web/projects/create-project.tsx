import { useState } from 'preact/hooks';
import type { TemplateName } from '../../src/contracts/index.ts';
import { describeError } from '../api/http.ts';
import { useServices } from '../shell/context.ts';
import { ErrorNote } from '../shell/error-note.tsx';
import { go } from '../shell/router.ts';
import { useAsync } from '../shell/use-async.ts';

/**
 * A new project from a template, or on a folder of the daemon's machine (a folder project: the folder is the
 * workspace, nothing in it is changed; the template chooses the image). The daemon checks the name and the folder
 * (its safety rules, and over TCP only an admin) and says what is wrong.
 */
export function CreateProject({ onCreated }: { onCreated: () => void }) {
  const { client } = useServices();
  const templates = useAsync(() => client.projects.templates(), []);
  const [name, setName] = useState('');
  const [template, setTemplate] = useState<TemplateName>('python');
  const [folder, setFolder] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const path = folder.trim();
      const p = await client.projects.create({ name: name.trim(), template, ...(path ? { path } : {}) });
      onCreated();
      go({ view: 'project', id: p.id, tab: 'files' });
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="create" onSubmit={(e) => void submit(e)} aria-labelledby="create-title">
      <h2 id="create-title">New project</h2>
      <div class="row">
        <label>
          Name
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required autoComplete="off" placeholder="my-app" />
        </label>
        <label>
          Template
          <select value={template} onChange={(e) => setTemplate(e.currentTarget.value as TemplateName)}>
            {(templates.data ?? []).map((t) => (
              <option key={t.name} value={t.name}>
                {t.name} — {t.description}
              </option>
            ))}
          </select>
        </label>
        <label>
          Folder (optional)
          <input value={folder} onInput={(e) => setFolder(e.currentTarget.value)} autoComplete="off" spellcheck={false} placeholder="/home/you/code/app" aria-describedby="folder-hint" />
        </label>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create'}
        </button>
      </div>
      <p id="folder-hint" class="muted small">
        A folder on the machine where zeblitd runs makes a folder project: it becomes the workspace as it is.
      </p>
      <ErrorNote error={error ?? templates.error} />
    </form>
  );
}
