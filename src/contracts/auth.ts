import { z } from 'zod';

export const CLIENT_TYPES = ['cli', 'telegram', 'editor', 'web', 'openai', 'other'] as const;
export const ClientType = z.enum(CLIENT_TYPES);
export type ClientType = z.infer<typeof ClientType>;

export const SCOPES = ['read', 'write', 'admin'] as const;
export const Scope = z.enum(SCOPES);
export type Scope = z.infer<typeof Scope>;

/**
 * Services whose credential only the daemon mints (never POST /auth/keys).
 * `telegram`: the credential a Telegram bot process presents to redeem link
 * tokens (POST /auth/telegram/verify), and nothing else.
 */
export const SERVICES = ['telegram'] as const;
export const ServiceName = z.enum(SERVICES);
export type ServiceName = z.infer<typeof ServiceName>;

export const Transport = z.enum(['unix', 'tcp']);
export type Transport = z.infer<typeof Transport>;

export const Role = z.enum(['admin', 'user']);
export type Role = z.infer<typeof Role>;

export const ApiKeyInfo = z.object({
  id: z.string(),
  name: z.string(),
  client_type: ClientType,
  scopes: z.array(Scope),
  service: ServiceName.nullable().describe('Set on a service credential the daemon minted (it has no scopes and works only on its service route)'),
  project_id: z.string().nullable().describe('The default project of this key (for the OpenAI-compatible agent models, zeblit/<agent>)'),
  prefix: z.string().describe('The first characters of the key, enough to recognise it'),
  created_at: z.number().int(),
  expires_at: z.number().int().nullable(),
  last_used_at: z.number().int().nullable(),
  revoked_at: z.number().int().nullable(),
});
export type ApiKeyInfo = z.infer<typeof ApiKeyInfo>;

export const KEY_NAME = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[\w .@:-]+$/, 'letters, digits, spaces and . _ - @ : only');

export const CreateKeyRequest = z.strictObject({
  name: KEY_NAME,
  client_type: ClientType.default('cli'),
  scopes: z
    .array(Scope)
    .min(1)
    .max(3)
    .default(['read', 'write'])
    .transform((s) => [...new Set(s)]),
  expires_in_days: z
    .number()
    .int()
    .min(1)
    .max(3650)
    .optional()
    .describe('A key expires no later than the credential that creates it (a JWT, or an expiring key): expires_at says when'),
  project: z.string().trim().min(1).max(100).optional().describe('A default project (id or name) for requests that need one and name none: the OpenAI-compatible agent models'),
});
export type CreateKeyRequest = z.input<typeof CreateKeyRequest>;

/** The secret is in `key`, returned exactly once. */
export const CreatedKey = ApiKeyInfo.extend({ key: z.string() });
export type CreatedKey = z.infer<typeof CreatedKey>;

export const TokenRequest = z.strictObject({
  api_key: z.string().min(1).max(200).optional(),
  ttl_seconds: z.number().int().min(60).max(86_400).default(900),
});
export const TokenResponse = z.object({
  token: z.string(),
  token_type: z.literal('Bearer'),
  expires_at: z.number().int(),
  expires_in: z.number().int(),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

export const TelegramLinkToken = z.object({
  token: z.string(),
  expires_at: z.number().int(),
  instructions: z.string(),
});
export type TelegramLinkToken = z.infer<typeof TelegramLinkToken>;

export const TelegramVerifyRequest = z.strictObject({
  token: z.string().min(1).max(200),
  telegram_user_id: z.union([z.number().int().positive(), z.string().regex(/^\d{1,20}$/)]).transform(String),
  chat_id: z.union([z.number().int(), z.string().regex(/^-?\d{1,20}$/)]).transform(String),
  username: z.string().max(64).optional(),
});

export const TelegramLink = z.object({
  id: z.string(),
  user_id: z.string(),
  telegram_user_id: z.string(),
  chat_id: z.string(),
  username: z.string().nullable(),
  key_id: z.string().nullable(),
  created_at: z.number().int(),
});
export type TelegramLink = z.infer<typeof TelegramLink>;

export const TelegramVerifyResponse = z.object({
  link: TelegramLink,
  api_key: CreatedKey,
});
