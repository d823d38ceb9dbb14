/**
 * A multipart upload is one unit. Invariant: nothing is committed before the
 * whole form has arrived. Each file part streams at once into a staged file
 * (bounded memory), but its commit waits on a gate that opens only after the
 * closing boundary. So a form cut short leaves nothing, and a field that
 * would change what happens to a file already received (`path`, `extract`,
 * `overwrite` after the file part: the order many clients send) is refused
 * with a 400 naming the fix, never guessed.
 */
import { ZeblitError } from '../contracts/index.ts';
import type { Form, FormPart } from './multipart.ts';

export type FilePart = Extract<FormPart, { kind: 'file' }>;

/** Fields that decide where and how a file is stored: they must come before it. */
const CONTROL_FIELDS = new Set(['path', 'extract', 'overwrite']);

/**
 * Reads the form, handing each file part to `store` with the fields seen so
 * far and the gate its commit must wait for. Resolves to what each store
 * returned, in order; on any failure every store is refused at the gate.
 */
export async function uploadForm<T>(form: Form, store: (part: FilePart, fields: ReadonlyMap<string, string>, gate: Promise<void>) => Promise<T>): Promise<T[]> {
  const fields = new Map<string, string>();
  const pending: Promise<T>[] = [];
  const received: string[] = [];
  let open!: () => void;
  let refuse!: (err: unknown) => void;
  const gate = new Promise<void>((resolve, reject) => ((open = resolve), (refuse = reject)));
  gate.catch(() => {}); // each store observes it; none may be waiting yet
  try {
    for await (const part of form) {
      if (part.kind === 'field') {
        if (received.length > 0 && CONTROL_FIELDS.has(part.name))
          throw new ZeblitError('VALIDATION_FAILED', `The form field "${part.name}" comes after the file part "${received.at(-1)}": fields apply to the files after them; nothing was written`, {
            details: [{ field: `form.${part.name}`, message: 'must come before the file part it applies to', code: 'field_order' }],
            suggestion: `Send the field first (curl -F ${part.name}=… -F file=@…), or put it in the URL (?${part.name}=…).`,
          });
        fields.set(part.name, part.value);
        continue;
      }
      received.push(part.filename ?? part.name);
      const stored = Promise.resolve().then(() => store(part, new Map(fields), gate));
      // A store that gives up (too large, a bad name) no longer reads its body: stop the form, or it would wait for that body forever.
      stored.catch((e: unknown) => form.abort(e instanceof Error ? e : new Error(String(e))));
      pending.push(stored);
    }
  } catch (e) {
    refuse(e);
    await Promise.allSettled(pending);
    throw e;
  }
  open();
  return Promise.all(pending);
}
