import { z } from 'zod';
import { CreatedKey, Role, Scope, Transport, ClientType } from './auth.ts';

export const USER_NAME = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-zA-Z0-9][\w.-]*$/, 'starts with a letter or digit; then letters, digits, . _ -');

export const User = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  role: Role,
  created_at: z.number().int(),
});
export type User = z.infer<typeof User>;

export const CreateUserRequest = z.strictObject({
  name: USER_NAME,
  email: z.email().max(254).optional(),
  role: Role.default('user'),
});
export type CreateUserRequest = z.input<typeof CreateUserRequest>;

export const CreatedUser = z.object({ user: User, api_key: CreatedKey });
export type CreatedUser = z.infer<typeof CreatedUser>;

/** Who the caller is, over which transport, with which key. */
export const Me = z.object({
  user: User,
  transport: Transport,
  key_id: z.string().nullable(),
  client_type: ClientType.nullable(),
  scopes: z.array(Scope),
  auth: z.enum(['socket', 'api_key', 'jwt', 'web']).describe('web: a browser session of the web client'),
});
export type Me = z.infer<typeof Me>;
