/**
 * Provider keys at rest: AES-256-GCM under a key derived from secret.key
 * (HKDF, purpose 'secrets-aes'). A sealed value is base64 of iv (12 random
 * bytes) ‖ ciphertext ‖ tag (16 bytes). The database alone never reveals a
 * key; a row that was altered, or sealed under another secret.key, fails the
 * tag check and is reported, never decrypted to garbage. A label (the
 * provider's name) is bound in as associated data: a sealed key copied into
 * another provider's row does not open there either.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SealedSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealedSecretError';
  }
}

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error(`SecretBox needs a 32-byte key, got ${key.length}`);
  }

  seal(plain: string, label = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(label, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
  }

  /** The plain text, or SealedSecretError when the value was altered, sealed under another key, or for another label. */
  open(sealed: string, label = ''): string {
    const raw = Buffer.from(sealed, 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) throw new SealedSecretError('the stored value is too short to be a sealed key');
    const iv = raw.subarray(0, IV_BYTES);
    const tag = raw.subarray(raw.length - TAG_BYTES);
    const body = raw.subarray(IV_BYTES, raw.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAuthTag(tag);
    decipher.setAAD(Buffer.from(label, 'utf8'));
    try {
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      throw new SealedSecretError('the stored key fails its integrity check (altered, sealed under another secret.key, or moved from another provider)');
    }
  }
}

/** What may be shown of a key: its last four characters. */
export function keyHint(key: string): string {
  return `…${key.slice(-4)}`;
}
