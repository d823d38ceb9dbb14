import type {
  LoginCode,
  ApiKeyInfo,
  CreateKeyRequest,
  CreatedKey,
  TelegramLink,
  TelegramLinkToken,
  TelegramVerifyRequest,
  TelegramVerifyResponse,
  TokenRequest,
  TokenResponse,
} from '../contracts/index.ts';
import { seg, type Requester } from './requester.ts';

// The contracts export these as schemas only; their input/output types come from the schema itself.
export type TokenRequestBody = (typeof TokenRequest)['_input'];
export type TelegramVerifyBody = (typeof TelegramVerifyRequest)['_input'];
export type TelegramVerifyResult = (typeof TelegramVerifyResponse)['_output'];

/** /api/v1/auth: API keys, JWTs and Telegram linking. */
export class AuthApi {
  constructor(private readonly r: Requester) {}

  /** The secret is in `key`, returned this once. */
  createKey(body: CreateKeyRequest): Promise<CreatedKey> {
    return this.r.request('POST', '/auth/keys', { json: body });
  }

  listKeys(options: { includeRevoked?: boolean } = {}): Promise<ApiKeyInfo[]> {
    return this.r.request('GET', '/auth/keys', { query: { include_revoked: options.includeRevoked ? 'true' : undefined } });
  }

  revokeKey(keyId: string): Promise<ApiKeyInfo> {
    return this.r.request('DELETE', `/auth/keys/${seg(keyId)}`);
  }

  /** Exchanges the API key the client authenticates with (or `api_key` in the body) for a short-lived JWT. */
  token(body: TokenRequestBody = {}): Promise<TokenResponse> {
    return this.r.request('POST', '/auth/token', { json: body });
  }

  telegramLinkToken(): Promise<TelegramLinkToken> {
    return this.r.request('POST', '/auth/telegram/link');
  }

  /** Admin: mints the telegram service credential (revoking the previous one); the secret is in `key`, returned this once. */
  telegramServiceCredential(): Promise<CreatedKey> {
    return this.r.request('POST', '/auth/telegram/bot-credential');
  }

  /** Redeems a link token; only a client holding the telegram service credential may. Returns the linked user's own key. */
  telegramVerify(body: TelegramVerifyBody): Promise<TelegramVerifyResult> {
    return this.r.request('POST', '/auth/telegram/verify', { json: body });
  }

  telegramLinks(): Promise<TelegramLink[]> {
    return this.r.request('GET', '/auth/telegram/links');
  }

  telegramUnlink(id: string): Promise<TelegramLink> {
    return this.r.request('DELETE', `/auth/telegram/links/${seg(id)}`);
  }

  /** A one-time sign-in code for the web client (socket owner or admin); open `url`, or the daemon's origin + `path`. */
  webLoginCode(): Promise<LoginCode> {
    return this.r.request('POST', '/web/login-codes');
  }
}
