/**
 * The server secret: 32 random bytes in $ZEBLIT_HOME/secret.key, mode 0600,
 * created once. API keys are stored as HMACs under a key derived from it, and
 * JWTs are signed with another; losing the file invalidates every key.
 */
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hkdfSync, randomBytes } from 'node:crypto';

export function loadOrCreateSecret(file: string): Buffer {
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    if (mode !== 0o600) chmodSync(file, 0o600);
    const raw = readFileSync(file);
    if (raw.length < 32) throw new Error(`server secret ${file} is damaged (${raw.length} bytes); move it away to create a new one`);
    return raw.subarray(0, 32);
  }
  const secret = randomBytes(32);
  // 'wx' fails if another process created it meanwhile; then read theirs.
  try {
    writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSecret(file);
    throw e;
  }
  return secret;
}

export type SecretPurpose = 'api-key-hash' | 'jwt' | 'secrets-aes' | 'link-token-hash' | 'web-code-hash' | 'web-session' | 'web-csrf';

export function deriveKey(secret: Buffer, purpose: SecretPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `zeblit:${purpose}`, 32));
}
