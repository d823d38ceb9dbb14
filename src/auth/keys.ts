import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  CreateKeyRequest,
  newId,
  notFound,
  unauthorized,
  type ApiKeyInfo,
  type ClientType,
  type CreatedKey,
  type Scope,
  type ServiceName,
} from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import { api_keys } from './auth.sql.ts';
import { toKeyInfo } from './rows.ts';

/** `zbl_<26-char id body>_<43-char base64url secret>`; the id body is the key's id without `key_`. */
const KEY_FORMAT = /^zbl_([0-9a-hjkmnp-tv-z]{26})_([A-Za-z0-9_-]{43})$/;
const LAST_USED_RESOLUTION_MS = 30_000;
const CACHE_MAX = 1000;

export interface VerifiedKey {
  keyId: string;
  userId: string;
  clientType: ClientType;
  scopes: Scope[];
  /** Set on a daemon-minted service credential. */
  service: ServiceName | null;
  expiresAt: number | null;
  /** The key's default project (an id; it may have been deleted since). */
  projectId: string | null;
}

/** What bounds a new key: the credential that creates it. */
export interface KeyLimits {
  /** The key expires no later than this (the creator's own expiry); null: unbounded. */
  notAfter?: number | null;
}

/** What the caller resolved for a new key: its default project's id (the request names it by id or name). */
export interface KeyDefaults {
  projectId?: string | null;
}

type KeyRow = typeof api_keys.$inferSelect;

const verified = (row: KeyRow): VerifiedKey => ({
  keyId: row.id,
  userId: row.user_id,
  clientType: row.client_type as ClientType,
  scopes: row.scopes as Scope[],
  service: row.service,
  expiresAt: row.expires_at,
  projectId: row.project_id,
});

/** The earlier of two expiries, where null means never. */
export function earliest(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null) return b ?? null;
  if (b == null) return a;
  return Math.min(a, b);
}

export class ApiKeys {
  // Every authenticated request looks its key up: prepared once, not rebuilt and recompiled per request.
  private readonly byId;
  private readonly touch;
  /**
   * Key rows by id, so an authenticated request costs one HMAC and no query.
   * Every change to a key goes through this class (revoke) or removes its
   * user (forgetUser), and both evict: a revoked key still fails on the very
   * next request. Bounded: the oldest entry goes past CACHE_MAX.
   */
  private readonly cache = new Map<string, KeyRow>();

  constructor(
    private readonly db: Db,
    private readonly hashKey: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    this.byId = db.select().from(api_keys).where(eq(api_keys.id, sql.placeholder('id'))).prepare();
    this.touch = db.update(api_keys).set({ last_used_at: sql`${sql.placeholder('now')}` }).where(eq(api_keys.id, sql.placeholder('id'))).prepare();
  }

  private hash(raw: string): string {
    return createHmac('sha256', this.hashKey).update(raw).digest('base64url');
  }

  /**
   * A key of `userId`. It expires no later than `limits.notAfter`: a short-lived
   * credential (a JWT, an expiring key) cannot mint a longer-lived one.
   * Scopes are the caller's check (the API refuses scopes the creator lacks).
   */
  create(userId: string, input: CreateKeyRequest, limits: KeyLimits = {}, defaults: KeyDefaults = {}): CreatedKey {
    const req = CreateKeyRequest.parse(input);
    const now = this.now();
    const requested = req.expires_in_days ? now + req.expires_in_days * 86_400_000 : null;
    return this.insert(userId, {
      name: req.name,
      client_type: req.client_type,
      scopes: req.scopes,
      service: null,
      expires_at: earliest(requested, limits.notAfter),
      project_id: defaults.projectId ?? null,
    });
  }

  /**
   * Mints the one active credential of a service, owned by `userId` (the
   * owner), with no scopes: it works only on its service's route. Earlier
   * credentials of the same service are revoked in the same transaction.
   */
  rotateService(service: ServiceName, userId: string, limits: KeyLimits = {}): CreatedKey {
    return this.db.transaction(() => {
      const now = this.now();
      const active = this.db
        .select({ id: api_keys.id })
        .from(api_keys)
        .where(and(eq(api_keys.service, service), isNull(api_keys.revoked_at)))
        .all();
      for (const { id } of active) {
        this.db.update(api_keys).set({ revoked_at: now }).where(eq(api_keys.id, id)).run();
        this.cache.delete(id);
      }
      return this.insert(userId, { name: `${service} service`, client_type: service, scopes: [], service, expires_at: limits.notAfter ?? null, project_id: null });
    });
  }

  /**
   * The key behind a browser session (WebSessions): its secret is thrown
   * away, so it is never presented; session tokens name it, and revoking it
   * (logout, or `zeblit auth revoke`) ends the session.
   */
  createSession(userId: string, scopes: Scope[], expiresAt: number | null, projectId: string | null): CreatedKey {
    return this.insert(userId, { name: 'web session', client_type: 'web', scopes, service: null, expires_at: expiresAt, project_id: projectId });
  }

  private insert(userId: string, fields: Pick<KeyRow, 'name' | 'client_type' | 'scopes' | 'service' | 'expires_at' | 'project_id'>): CreatedKey {
    const now = this.now();
    const id = newId('key', now);
    const raw = `zbl_${id.slice(4)}_${randomBytes(32).toString('base64url')}`;
    const row: KeyRow = { id, user_id: userId, ...fields, hash: this.hash(raw), prefix: raw.slice(0, 12), created_at: now, last_used_at: null, revoked_at: null };
    this.db.insert(api_keys).values(row).run();
    return { ...toKeyInfo(row), key: raw };
  }

  list(userId: string, includeRevoked = false): ApiKeyInfo[] {
    const where = includeRevoked
      ? eq(api_keys.user_id, userId)
      : and(eq(api_keys.user_id, userId), isNull(api_keys.revoked_at));
    return this.db.select().from(api_keys).where(where).orderBy(desc(api_keys.created_at)).all().map(toKeyInfo);
  }

  get(userId: string, keyId: string): ApiKeyInfo {
    const row = this.db
      .select()
      .from(api_keys)
      .where(and(eq(api_keys.id, keyId), eq(api_keys.user_id, userId)))
      .get();
    if (!row) throw notFound(`API key ${keyId}`, 'List your keys with `zeblit auth keys`.');
    return toKeyInfo(row);
  }

  revoke(userId: string, keyId: string): ApiKeyInfo {
    const key = this.get(userId, keyId);
    if (key.revoked_at) return key;
    const now = this.now();
    this.db.update(api_keys).set({ revoked_at: now }).where(eq(api_keys.id, keyId)).run();
    this.cache.delete(keyId);
    return { ...key, revoked_at: now };
  }

  /** The user is gone (their keys went with them by cascade): drop their cached keys. */
  forgetUser(userId: string): void {
    for (const [id, row] of this.cache) if (row.user_id === userId) this.cache.delete(id);
  }

  private row(id: string): KeyRow | undefined {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const row = this.byId.get({ id });
    if (!row) return undefined;
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(id, row);
    return row;
  }

  /** Checks a raw key; throws 401 with a reason the caller can act on. Constant-time on the secret. */
  verify(raw: string): VerifiedKey {
    const m = KEY_FORMAT.exec(raw);
    if (!m) throw unauthorized('Malformed API key', 'API keys look like zbl_<id>_<secret>; create one with `zeblit auth create-key`.');
    const row = this.row(`key_${m[1]}`);
    const expected = Buffer.from(row?.hash ?? this.hash('zbl_no_such_key'));
    const actual = Buffer.from(this.hash(raw));
    const match = expected.length === actual.length && timingSafeEqual(expected, actual);
    if (!row || !match) throw unauthorized('Invalid API key', 'Check the key, or create a new one with `zeblit auth create-key`.');
    const now = this.now();
    if (row.revoked_at !== null) throw unauthorized('This API key was revoked', 'Create a new key with `zeblit auth create-key`.');
    if (row.expires_at !== null && row.expires_at <= now)
      throw unauthorized('This API key has expired', 'Create a new key with `zeblit auth create-key`.');
    if (row.last_used_at === null || now - row.last_used_at > LAST_USED_RESOLUTION_MS) {
      this.touch.run({ id: row.id, now });
      row.last_used_at = now;
    }
    return verified(row);
  }

  /** For JWTs: the key they were minted from must still be valid. */
  assertActive(keyId: string): VerifiedKey {
    const row = this.row(keyId);
    if (!row || row.revoked_at !== null) throw unauthorized('The API key behind this token was revoked', 'Get a new token.');
    if (row.expires_at !== null && row.expires_at <= this.now()) throw unauthorized('The API key behind this token has expired');
    return verified(row);
  }
}
