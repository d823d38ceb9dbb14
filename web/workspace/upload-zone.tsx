import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Project } from '../../src/contracts/index.ts';
import { describeError } from '../api/http.ts';
import { useServices } from '../shell/context.ts';
import { ErrorNote } from '../shell/error-note.tsx';

/** Drop files on the tree to upload them to the workspace root; the file picker does the same from the keyboard. */
export function UploadZone({ project, onUploaded, children }: { project: Project; onUploaded(): void; children: ComponentChildren }) {
  const { client } = useServices();
  const [over, setOver] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const upload = async (files: File[]) => {
    if (files.length === 0) return;
    setError(null);
    setStatus(`Uploading ${files.length} file${files.length === 1 ? '' : 's'}…`);
    try {
      const r = await client.files.upload(project.id, '', files);
      setStatus(`Uploaded ${r.files.length} file${r.files.length === 1 ? '' : 's'}.`);
      onUploaded();
    } catch (e) {
      setStatus(null);
      setError(describeError(e));
    }
  };

  return (
    <div
      class={`drop${over ? ' over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        void upload([...(e.dataTransfer?.files ?? [])]);
      }}
    >
      {children}
      <label class="upload">
        Upload files (or drop them here)
        <input type="file" multiple onChange={(e) => void upload([...(e.currentTarget.files ?? [])])} />
      </label>
      {status && (
        <p class="muted small" role="status">
          {status}
        </p>
      )}
      <ErrorNote error={error} />
    </div>
  );
}
