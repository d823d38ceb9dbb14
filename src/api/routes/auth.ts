import { z } from 'zod';
import {
  ApiKeyInfo,
  CreateKeyRequest,
  CreatedKey,
  TelegramLink,
  TelegramLinkToken,
  TelegramVerifyRequest,
  TelegramVerifyResponse,
  TokenRequest,
  TokenResponse,
  ZeblitError,
} from '../../contracts/index.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { router, defineRoute, principalOf } from '../route.ts';

const KeyId = z.object({ key_id: z.string().min(1).max(64) });
const LinkId = z.object({ id: z.string().min(1).max(64) });
const KeyListQuery = z.object({ include_revoked: z.enum(['true', 'false']).default('false') });

export function authRoutes(deps: AppDeps) {
  const app = router();
  const { auth } = deps;

  defineRoute(
    app,
    { method: 'post', path: '/auth/keys', summary: 'Create an API key (the secret is shown once)', tags: ['auth'], body: CreateKeyRequest, data: CreatedKey, status: 201 },
    (c, { body }) => {
      const p = principalOf(c);
      // A key can hand out no more than its creator holds.
      const denied = body.scopes.filter((s) => !p.scopes.includes(s) && !p.scopes.includes('admin'));
      if (denied.length) throw new ZeblitError('FORBIDDEN', `You cannot grant scopes you do not have: ${denied.join(', ')}`);
      const key = auth.keys.create(p.user.id, body);
      c.set('resource', key.id);
      return key;
    },
  );

  defineRoute(
    app,
    { method: 'get', path: '/auth/keys', summary: 'List your API keys', tags: ['auth'], query: KeyListQuery, data: z.array(ApiKeyInfo) },
    (c, { query }) => auth.keys.list(principalOf(c).user.id, query.include_revoked === 'true'),
  );

  defineRoute(
    app,
    { method: 'delete', path: '/auth/keys/{key_id}', summary: 'Revoke an API key (effective on the next request)', tags: ['auth'], params: KeyId, data: ApiKeyInfo },
    (c, { params }) => {
      c.set('resource', params.key_id);
      return auth.keys.revoke(principalOf(c).user.id, params.key_id);
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/auth/token',
      summary: 'Exchange an API key for a short-lived JWT',
      description: 'Authenticate with the API key (Bearer header), or pass it as api_key in the body. The token carries the key scopes and dies with the key.',
      tags: ['auth'],
      body: TokenRequest,
      data: TokenResponse,
      scope: 'public',
    },
    async (c, { body }) => {
      const p = body.api_key ? await auth.authenticate(body.api_key, c.env?.transport ?? 'tcp') : c.get('principal');
      if (!p || p.auth === 'jwt' || !p.keyId)
        throw new ZeblitError('UNAUTHORIZED', 'An API key is required to get a token', { suggestion: 'Send the API key as Authorization: Bearer zbl_… or as "api_key" in the body.' });
      const { token, expiresAt } = await auth.jwt.sign(
        { userId: p.user.id, keyId: p.keyId, clientType: p.clientType ?? 'other', scopes: p.scopes },
        body.ttl_seconds,
      );
      return { token, token_type: 'Bearer' as const, expires_at: expiresAt, expires_in: body.ttl_seconds };
    },
  );

  defineRoute(
    app,
    { method: 'post', path: '/auth/telegram/link', summary: 'Get a one-time token (10 minutes) to link a Telegram account', tags: ['telegram'], data: TelegramLinkToken, status: 201 },
    (c) => auth.telegram.createToken(principalOf(c).user.id),
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/auth/telegram/verify',
      summary: 'Redeem a link token (called by the bot with its own telegram key)',
      tags: ['telegram'],
      body: TelegramVerifyRequest,
      data: TelegramVerifyResponse,
      status: 201,
    },
    (c, { body }) => {
      const p = principalOf(c);
      if (p.clientType !== 'telegram' && p.user.role !== 'admin')
        throw new ZeblitError('FORBIDDEN', 'Only the Telegram bot (a telegram-client key) or an admin can redeem link tokens');
      const result = auth.telegram.verify(body);
      c.set('resource', result.link.id);
      return result;
    },
  );

  defineRoute(app, { method: 'get', path: '/auth/telegram/links', summary: 'Your linked Telegram accounts', tags: ['telegram'], data: z.array(TelegramLink) }, (c) =>
    auth.telegram.list(principalOf(c).user.id),
  );

  defineRoute(
    app,
    { method: 'delete', path: '/auth/telegram/links/{id}', summary: 'Unlink a Telegram account (revokes its key)', tags: ['telegram'], params: LinkId, data: TelegramLink },
    (c, { params }) => {
      c.set('resource', params.id);
      return auth.telegram.delete(principalOf(c).user.id, params.id);
    },
  );
  return app;
}
