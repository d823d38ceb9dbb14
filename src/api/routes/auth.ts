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
import { hasScope } from '../../auth/index.ts';
import { router, defineRoute, principalOf } from '../route.ts';

const KeyId = z.object({ key_id: z.string().min(1).max(64) });
const LinkId = z.object({ id: z.string().min(1).max(64) });
const KeyListQuery = z.object({ include_revoked: z.enum(['true', 'false']).default('false') });

export function authRoutes(deps: AppDeps) {
  const app = router();
  const { auth } = deps;

  defineRoute(
    app,
    {
      method: 'post',
      path: '/auth/keys',
      summary: 'Create an API key (the secret is shown once)',
      description:
        'The key never holds more than the credential creating it: scopes it lacks are refused (403), and it expires no later than that credential (a JWT, or an expiring key). The Unix socket (the owner) is unbounded.',
      tags: ['auth'],
      body: CreateKeyRequest,
      data: CreatedKey,
      status: 201,
    },
    (c, { body }) => {
      const p = principalOf(c);
      // A key can hand out no more than its creator holds: no scope it lacks, no life beyond its own.
      const denied = body.scopes.filter((s) => !hasScope(p, s));
      if (denied.length)
        throw new ZeblitError('FORBIDDEN', `You cannot grant scopes you do not have: ${denied.join(', ')}`, { suggestion: `This credential holds: ${p.scopes.join(', ')}.` });
      // A default project is named by id or name, and must be the caller's own.
      const projectId = body.project ? deps.projects.get(p.user.id, body.project).id : null;
      const key = auth.keys.create(p.user.id, body, { notAfter: p.expiresAt }, { projectId });
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
      description:
        'Authenticate with the API key (Bearer header), or pass it as api_key in the body. The token carries the key scopes, expires no later than the key, and dies with it. A service credential cannot be exchanged.',
      tags: ['auth'],
      body: TokenRequest,
      data: TokenResponse,
      scope: 'public',
    },
    async (c, { body }) => {
      const p = body.api_key ? await auth.authenticate(body.api_key, c.env?.transport ?? 'tcp') : c.get('principal');
      if (!p || p.auth === 'jwt' || p.auth === 'web' || !p.keyId)
        throw new ZeblitError('UNAUTHORIZED', 'An API key is required to get a token', { suggestion: 'Send the API key as Authorization: Bearer zbl_… or as "api_key" in the body.' });
      if (p.service) throw new ZeblitError('FORBIDDEN', 'A service credential cannot be exchanged for a token', { suggestion: 'Use the credential itself on its route.' });
      const { token, expiresAt } = await auth.jwt.sign(
        { userId: p.user.id, keyId: p.keyId, clientType: p.clientType ?? 'other', scopes: p.scopes },
        body.ttl_seconds,
        p.expiresAt,
      );
      return { token, token_type: 'Bearer' as const, expires_at: expiresAt, expires_in: Math.max(0, Math.ceil((expiresAt - deps.now()) / 1000)) };
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/auth/telegram/link',
      summary: 'Get a one-time token (10 minutes) to link a Telegram account',
      description: 'The key the link creates holds no more than this credential: its read/write scopes (never admin), and no life beyond its expiry.',
      tags: ['telegram'],
      data: TelegramLinkToken,
      status: 201,
    },
    (c) => {
      const p = principalOf(c);
      const bot = deps.telegram.bot();
      return auth.telegram.createToken(p.user.id, { scopes: (['read', 'write'] as const).filter((s) => hasScope(p, s)), notAfter: p.expiresAt }, bot.state === 'running' ? bot.username : null);
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/auth/telegram/bot-credential',
      summary: 'Mint the credential a Telegram bot process uses to redeem link tokens (admin; revokes the previous one)',
      description:
        'Returns a key of the owner, shown once, with no scopes: it is accepted only by POST /auth/telegram/verify, and every earlier one stops working. It expires no later than the credential minting it.',
      tags: ['telegram'],
      data: CreatedKey,
      status: 201,
      scope: 'admin',
      role: 'admin',
    },
    (c) => {
      const key = auth.rotateServiceCredential('telegram', principalOf(c).expiresAt);
      c.set('resource', key.id);
      return key;
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/auth/telegram/verify',
      summary: 'Redeem a link token (only with the telegram service credential)',
      description:
        "Links the token's user to the Telegram account and returns a key of that user (client type telegram) for acting on their behalf. A Telegram account linked to another user is refused (409): its user unlinks it first.",
      tags: ['telegram'],
      body: TelegramVerifyRequest,
      data: TelegramVerifyResponse,
      status: 201,
      service: 'telegram',
    },
    (c, { body }) => {
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
