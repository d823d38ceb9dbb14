/**
 * multipart/form-data (RFC 7578) read as a stream by busboy: parts are handed
 * out as they arrive and a file part's body is read straight from the
 * request, so a 1 GiB upload never sits in memory (Hono's parseBody() buffers
 * whole bodies). busboy does the parsing, which is security-sensitive: it is
 * long used and fuzzed in production; this module only turns its events into
 * an async iterator and its errors into our 400.
 *
 * Flow control: busboy does not read past a file part until that part's body
 * has been consumed, so every file part's body must be read to its end (or
 * the form aborted) before the next part arrives.
 */
import busboy from 'busboy';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZeblitError } from '../contracts/index.ts';

export type FormPart =
  | { kind: 'field'; name: string; value: string }
  | { kind: 'file'; name: string; filename: string | null; contentType: string; body: AsyncIterable<Uint8Array> };

export interface Form extends AsyncIterable<FormPart> {
  /** Stops reading: the iterator and a body being read fail with `err`. */
  abort(err: Error): void;
}

export interface FormLimits {
  /** Largest text field, in bytes. */
  fieldBytes: number;
  /** Most text fields in one form. */
  fields: number;
  /** Most parts (fields and files) in one form. */
  parts: number;
}

const DEFAULT_LIMITS: FormLimits = { fieldBytes: 64 * 1024, fields: 100, parts: 1000 };

const SUGGESTION = 'Send multipart/form-data with one file part (curl -F file=@path).';
export const malformed = (why: string) => new ZeblitError('BAD_REQUEST', `Malformed multipart body: ${why}`, { suggestion: SUGGESTION });

/** busboy's own errors are plain Errors about the body: the client's mistake (or the client went away). */
function asClientError(e: unknown): Error {
  if (e instanceof ZeblitError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (/^(Unexpected end of (form|file)|aborted)$/i.test(message) || (e as NodeJS.ErrnoException).code === 'ECONNRESET')
    return malformed('the body ended before the closing boundary (upload aborted?)');
  return malformed(message.replace(/^Multipart: /, '').toLowerCase());
}

export function isMultipart(contentType: string | undefined): boolean {
  return contentType !== undefined && /^multipart\/form-data\b/i.test(contentType);
}

export function readForm(source: AsyncIterable<Uint8Array> | Readable, contentType: string, limits: FormLimits = DEFAULT_LIMITS): Form {
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': contentType },
      // Browsers and curl send UTF-8 file names in filename="…".
      defParamCharset: 'utf8',
      limits: { fieldSize: limits.fieldBytes, fields: limits.fields, parts: limits.parts, headerPairs: 100 },
    });
  } catch (e) {
    throw malformed(e instanceof Error && /boundary/i.test(e.message) ? 'no boundary in Content-Type' : 'bad Content-Type');
  }
  const queue: FormPart[] = [];
  let failure: Error | null = null;
  let ended = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const fail = (e: unknown) => {
    if (failure) return;
    failure = asClientError(e);
    parser.destroy(failure);
    notify();
  };

  parser.on('field', (name, value, info) => {
    if (info.valueTruncated) return fail(malformed(`the form field "${name}" is larger than ${limits.fieldBytes} bytes`));
    queue.push({ kind: 'field', name, value });
    notify();
  });
  parser.on('file', (name, stream, info) => {
    // Its errors reach the reader through the iterator below; an 'error' event with no listener (a body never read) would crash the process.
    stream.on('error', () => {});
    // A body that maps busboy's errors (an upload cut short) to our 400, so they never surface as a 500.
    const body = (async function* () {
      try {
        for await (const chunk of stream) yield chunk as Uint8Array;
      } catch (e) {
        throw failure ?? asClientError(e);
      }
    })();
    queue.push({ kind: 'file', name, filename: info.filename ?? null, contentType: info.mimeType, body });
    notify();
  });
  parser.on('fieldsLimit', () => fail(malformed(`more than ${limits.fields} form fields`)));
  parser.on('partsLimit', () => fail(malformed(`more than ${limits.parts} parts`)));
  pipeline(source, parser).then(
    () => {
      ended = true;
      notify();
    },
    (e: unknown) => fail(e),
  );

  return {
    abort: (err) => {
      if (failure) return;
      failure = err;
      parser.destroy(err);
      notify();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (failure) throw failure;
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (ended) return;
        await new Promise<void>((r) => (wake = r));
      }
    },
  };
}
