import type { ApiKeyInfo, ClientType, Scope, TelegramLink, User } from '../contracts/index.ts';
import type { api_keys, telegram_links, users } from './auth.sql.ts';

export const toUser = (r: typeof users.$inferSelect): User => ({
  id: r.id,
  name: r.name,
  email: r.email,
  role: r.role,
  created_at: r.created_at,
});

export const toKeyInfo = (r: typeof api_keys.$inferSelect): ApiKeyInfo => ({
  id: r.id,
  name: r.name,
  client_type: r.client_type as ClientType,
  scopes: r.scopes as Scope[],
  service: r.service,
  project_id: r.project_id,
  prefix: r.prefix,
  created_at: r.created_at,
  expires_at: r.expires_at,
  last_used_at: r.last_used_at,
  revoked_at: r.revoked_at,
});

export const toLink = (r: typeof telegram_links.$inferSelect): TelegramLink => ({
  id: r.id,
  user_id: r.user_id,
  telegram_user_id: r.telegram_user_id,
  chat_id: r.chat_id,
  username: r.username,
  key_id: r.key_id,
  created_at: r.created_at,
});
