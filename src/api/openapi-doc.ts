import { createHash } from 'node:crypto';

export interface BuiltDocument {
  /** The JSON text, encoded once. */
  bytes: Uint8Array<ArrayBuffer>;
  /** A strong validator: the quoted SHA-256 of the bytes. */
  etag: string;
}

/**
 * A JSON document that depends only on the code (the OpenAPI document):
 * built and serialised at the first `get()`, then the same bytes and ETag
 * for every caller. Building it per request cost ~80 ms of CPU each and let
 * anonymous callers starve everyone else.
 */
export class BuiltOnce {
  private built: BuiltDocument | undefined;
  /** How many times the document was built: 1 after any number of `get()`s (tests and benches read it). */
  builds = 0;

  constructor(private readonly build: () => unknown) {}

  get(): BuiltDocument {
    if (this.built) return this.built;
    this.builds++;
    const bytes = new TextEncoder().encode(JSON.stringify(this.build()));
    this.built = { bytes, etag: `"${createHash('sha256').update(bytes).digest('base64url')}"` };
    return this.built;
  }
}
