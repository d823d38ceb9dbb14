/** An error the page shows where it happened, read out by screen readers. */
export function ErrorNote({ error }: { error: string | null | undefined }) {
  if (!error) return null;
  return (
    <p class="error-note" role="alert">
      {error}
    </p>
  );
}
